// Draws one Plotly figure with the site's partial plotly.js bundle (static/, see vendor/plotly/README.md), after a
// still picture of it (plotly_static.js, prepended to this file by plotly_view.py). The bundle is fetched by one
// shared <script> per page, whatever the number of charts; each chart then draws with Plotly.react, which updates
// in place when the page reruns with new data.
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

function settleMs() {
  return window.caChartSettleMs ?? SETTLE_MS;
}

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
  const timer = setTimeout(once, settleMs());
  return () => {
    done = true;
    seen.disconnect();
    clearTimeout(timer);
  };
}

// Calls `run` once a still picture has been shown: when the reader points at, touches or tabs into the chart, when
// its column changes width (the picture was drawn for the old one), or after `waitMs`, whichever is first.
const ASKING = ["pointerenter", "touchstart", "focusin"];

function whenAsked(host, run, waitMs) {
  let done = false;
  const width = host.clientWidth;
  const stop = () => {
    done = true;
    ASKING.forEach((name) => host.removeEventListener(name, once));
    resized?.disconnect();
    clearTimeout(timer);
  };
  function once() {
    if (done) return;
    stop();
    run();
  }
  ASKING.forEach((name) => host.addEventListener(name, once, { passive: true }));
  const resized = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => {
    if (host.clientWidth !== width) once();
  });
  resized?.observe(host);
  const timer = setTimeout(once, waitMs);
  return stop;
}

// The <div class=`className`> child of `parent` made by an earlier render, or a new one styled by `css`.
function child(parent, className, css) {
  let node = parent.querySelector(`:scope > .${className}`);
  if (!node) {
    node = document.createElement("div");
    node.className = className;
    node.style.cssText = css;
    parent.appendChild(node);
  }
  return node;
}

export default function (component) {
  const { data, parentElement } = component;
  const host = child(parentElement, "ca-plotly", "position:relative;");
  // The still picture (plotly_static.js) lies over the chart's box, so swapping it for plotly.js's drawing moves
  // nothing on the page.
  const still = child(host, "ca-still", "position:absolute;top:0;left:0;right:0;pointer-events:none;");
  // Named like st.plotly_chart's alt: a figure whose accessible name is the chart's text summary.
  host.setAttribute("role", "figure");
  host.setAttribute("aria-label", data.summary);
  // The figure's own height is reserved before the bundle arrives, so nothing below it moves when it draws.
  host.style.minHeight = `${data.figure.layout.height || 450}px`;
  delete host.dataset.painted; // until this figure's own picture is drawn
  const draw = () => plotly(data.bundle).then((Plotly) => {
    const config = data.image ? { ...data.config, modeBarButtons: [[imageButton(Plotly, data.image)]] } : data.config;
    // `data-drawn` marks the end of a draw (axes and labels included), for readers and tests that wait on it;
    // the counter keeps an earlier draw that ends late from marking a newer one as done.
    const count = (host.__caDraws = (host.__caDraws || 0) + 1);
    delete host.dataset.drawn;
    Plotly.react(host, data.figure.data, data.figure.layout, config).then(() => {
      if (host.__caDraws !== count) return;
      host.dataset.drawn = "true";
      still.replaceChildren();
      delete host.dataset.painted;
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
    still.replaceChildren();
    host.textContent = "The chart could not be loaded; its table and summary are beside it.";
  });
  // A chart near the screen first shows a still picture drawn from the same figure (no plotly.js needed), marked
  // `data-painted`; plotly.js is fetched and run when the reader reaches for the chart or once the page has had time
  // to settle. A figure the still picture does not know draws with plotly.js when near, as before. Charts further
  // down do neither until they are scrolled near, so a first visit works only for its first screen.
  const started = performance.now();
  let stopped = false;
  let cancelAsked = () => {};
  const showNear = () => {
    const left = settleMs() - (performance.now() - started);
    if (host.__caDraws || left <= 0) {
      draw();
      return;
    }
    paintStatic(still, data.figure, host.clientWidth, data.config.topojsonURL).then((painted) => {
      if (stopped) return;
      if (!painted) {
        draw();
        return;
      }
      host.dataset.painted = "true";
      cancelAsked = whenAsked(host, draw, Math.max(0, settleMs() - (performance.now() - started)));
    });
  };
  const cancelNear = whenNear(host, showNear);
  return () => {
    stopped = true;
    cancelNear();
    cancelAsked();
    OBSERVERS.get(host)?.disconnect();
    OBSERVERS.delete(host);
    if (window.Plotly && window.Plotly.purge) window.Plotly.purge(host);
  };
}
