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

// The PNG download draws a copy of the chart with its title above and its source line below (both plain text,
// escaped by the server), so an image that leaves the page still says what it shows and where it comes from.
const TITLE_PX = 18;
const SOURCE_PX = 14;

// Plotly never wraps a title or an annotation: break the (already escaped) text at spaces to fit `width` px.
function wrap(text, width, charPx) {
  const perLine = Math.max(20, Math.floor(width / charPx));
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && (line + " " + word).length > perLine) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function imageButton(Plotly, image) {
  return {
    name: "downloadImage",
    title: "Download this chart as a PNG image (with its title and source)",
    icon: Plotly.Icons.camera,
    click: (gd) => {
      const full = gd._fullLayout;
      const margin = { ...full.margin };
      // Title and source both go above the plot: the legend may sit at the figure's bottom edge.
      const title = wrap(image.title, full.width - 20, 7.5);
      const source = wrap(image.source, full.width - 20, 6.2);
      const top = 34 + TITLE_PX * title.length + SOURCE_PX * source.length;
      const layout = {
        ...gd.layout,
        width: full.width,
        height: full.height + top,
        margin: { l: margin.l, r: margin.r, t: margin.t + top, b: margin.b, pad: margin.pad },
        title: {
          text: `${title.join("<br>")}<br><span style="font-size:11px;color:#444444">${source.join("<br>")}</span>`,
          x: 0.01, xanchor: "left", y: 1, yref: "container", yanchor: "top", pad: { t: 22 }, font: { size: 14 },
        },
      };
      return Plotly.toImage({ data: gd.data, layout, config: { staticPlot: true } },
                            { format: "png", width: layout.width, height: layout.height })
        .then((url) => {
          const link = document.createElement("a");
          link.href = url;
          link.download = `${image.filename}.png`;
          document.body.appendChild(link);
          link.click();
          link.remove();
        });
    },
  };
}

// Calls `run` once: when `host` comes within NEAR_PX of the viewport, or SETTLE_MS after the call (once the first
// screen is drawn, the rest follows without waiting for a scroll), whichever is first. A chart already drawn (a
// rerun with new data) redraws at once, in place. `window.caChartSettleMs` overrides SETTLE_MS (the tests use it to
// see the first rule alone).
const NEAR_PX = 40;
const SETTLE_MS = 2500;

function whenNear(host, run) {
  if (host.__caDraws || typeof IntersectionObserver === "undefined") {
    run();
    return () => {};
  }
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    seen.disconnect();
    clearTimeout(timer);
    run();
  };
  const seen = new IntersectionObserver((items) => {
    if (items.some((item) => item.isIntersecting)) once();
  }, { rootMargin: `${NEAR_PX}px 0px` });
  seen.observe(host);
  const timer = setTimeout(once, window.caChartSettleMs ?? SETTLE_MS);
  return () => {
    done = true;
    seen.disconnect();
    clearTimeout(timer);
  };
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
  // A chart starts drawing when it comes near the screen (or, at the latest, once the page has had time to
  // settle), so a first visit loads and runs plotly.js only for the charts its first screen shows.
  const draw = () => plotly(data.bundle).then((Plotly) => {
    const config = data.image ? { ...data.config, modeBarButtons: [[imageButton(Plotly, data.image)]] } : data.config;
    // `data-drawn` marks the end of a draw (axes and labels included), for readers and tests that wait on it;
    // the counter keeps an earlier draw that ends late from marking a newer one as done.
    const count = (host.__caDraws = (host.__caDraws || 0) + 1);
    delete host.dataset.drawn;
    Plotly.react(host, data.figure.data, data.figure.layout, config).then(() => {
      if (host.__caDraws === count) host.dataset.drawn = "true";
    });
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
  const cancel = whenNear(host, draw);
  return () => {
    cancel();
    OBSERVERS.get(host)?.disconnect();
    OBSERVERS.delete(host);
    if (window.Plotly && window.Plotly.purge) window.Plotly.purge(host);
  };
}
