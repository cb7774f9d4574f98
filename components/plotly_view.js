// Draws one Plotly figure with the site's partial plotly.js bundle (static/, see vendor/plotly/README.md).
// The bundle is fetched by one shared <script> per page, whatever the number of charts; each chart then
// draws with Plotly.react, which updates in place when the page reruns with new data.
const LOADING = "__caPlotlyLoading";
const OBSERVERS = new WeakMap();

function plotly(url) {
  if (window.Plotly && window.Plotly.react) return Promise.resolve(window.Plotly);
  if (!window[LOADING]) {
    window[LOADING] = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window[LOADING] = undefined; // a later chart may try again (e.g. after a dropped connection)
        reject(new Error(`could not load ${url}`));
      };
      document.head.appendChild(script);
    });
  }
  return window[LOADING];
}

export default function (component) {
  const { data, parentElement } = component;
  let host = parentElement.querySelector(":scope > .ca-plotly");
  if (!host) {
    host = document.createElement("div");
    host.className = "ca-plotly";
    parentElement.appendChild(host);
  }
  // Named like st.plotly_chart's alt: a figure whose accessible name is the chart's text summary.
  host.setAttribute("role", "figure");
  host.setAttribute("aria-label", data.summary);
  // The figure's own height is reserved before the bundle arrives, so nothing below it moves when it draws.
  host.style.minHeight = `${data.figure.layout.height || 450}px`;
  plotly(data.bundle).then((Plotly) => {
    Plotly.react(host, data.figure.data, data.figure.layout, data.config);
    if (!OBSERVERS.has(host)) {
      // Plotly's `responsive` follows the window only; the column can also change width on its own.
      const observer = new ResizeObserver(() => {
        if (host.isConnected && host._fullLayout) Plotly.Plots.resize(host);
      });
      observer.observe(host);
      OBSERVERS.set(host, observer);
    }
  }).catch(() => {
    host.textContent = "The chart could not be loaded; its table and summary are beside it.";
  });
  return () => {
    OBSERVERS.get(host)?.disconnect();
    OBSERVERS.delete(host);
    if (window.Plotly && window.Plotly.purge) window.Plotly.purge(host);
  };
}
