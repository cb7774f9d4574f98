// A still picture of a figure, drawn as SVG from the same figure JSON before plotly.js has loaded, so the first
// screen shows the chart at once (as Our World in Data's grapher serves a static chart first). It knows only the
// figures this site builds: horizontal rows on a category axis (dots with interval bars, plain or stacked bars)
// and the world map. Anything else returns false and waits for plotly.js. Prepended to plotly_view.js.
const SVG_NS = "http://www.w3.org/2000/svg";
const INK = "#444444"; // plotly.js's own defaults for text and grid lines, which the site's figures keep
const GRID = "#eeeeee";
const DASHES = { dot: "3,3", dash: "9,9", longdash: "15,15", dashdot: "9,3,3,3" };

function svgNode(name, attrs, parent) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (parent) parent.appendChild(node);
  return node;
}

// Labels arrive escaped for Plotly (components/inert.py): lines at <br>, no other tag, entities decoded. The
// text is set with textContent, so nothing in it is ever read as markup here.
function plainLines(label) {
  return String(label ?? "").split(/<br\s*\/?>/i).map((line) => line.replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, "&"));
}

function textNode(parent, lines, x, y, attrs, lineHeight) {
  const text = svgNode("text", { x, y, ...attrs }, parent);
  lines.forEach((line, i) => {
    const span = svgNode("tspan", { x, dy: i === 0 ? 0 : lineHeight }, text);
    span.textContent = line;
  });
  return text;
}

let measurer;
function textWidth(line, font) {
  measurer = measurer || document.createElement("canvas").getContext("2d");
  measurer.font = `${font.size}px ${font.family}`;
  return measurer.measureText(line).width;
}

// Tick values a reader would choose: 1, 2 or 5 × a power of ten, about `count` of them across [low, high].
function niceTicks(low, high, count) {
  // One value (a map with one country, a range of zero width) gets one tick: there is no step to take.
  if (!(high > low) || !Number.isFinite(high - low)) return { ticks: Number.isFinite(low) ? [low] : [], step: 1 };
  const raw = (high - low) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(low / step - 1e-9) * step; v <= high + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return { ticks, step };
}

// The d3 formats the site uses: ".0%", "+.0%" and the default (plain numbers, thousands grouped).
function formatTick(value, format, step) {
  const minus = (text) => text.replace("-", "\u2212");
  const percent = /^(\+?)\.(\d)%$/.exec(format || "");
  if (percent) {
    const text = `${(value * 100).toFixed(Number(percent[2]))}%`;
    return minus(percent[1] && value > 0 ? `+${text}` : text);
  }
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return minus(value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
}

// plotly.py sends numeric arrays as {dtype, bdata}: base64 of the little-endian values (plotly.js decodes the same).
const TYPED = { f8: Float64Array, f4: Float32Array, i1: Int8Array, u1: Uint8Array, i2: Int16Array, u2: Uint16Array,
  i4: Int32Array, u4: Uint32Array };

function values(array) {
  if (Array.isArray(array)) return array;
  if (array && typeof array.bdata === "string" && TYPED[array.dtype]) {
    const bytes = Uint8Array.from(atob(array.bdata), (c) => c.charCodeAt(0));
    return Array.from(new TYPED[array.dtype](bytes.buffer));
  }
  return array;
}

function categoriesOf(figure) {
  const axis = figure.layout.yaxis || {};
  if (axis.categoryorder === "array" && Array.isArray(axis.categoryarray)) return axis.categoryarray.map(String);
  const seen = [];
  for (const trace of figure.data) for (const y of values(trace.y) || []) if (!seen.includes(String(y))) seen.push(String(y));
  return seen;
}

function isRows(figure) {
  return figure.data.length > 0 && figure.data.every((t) =>
    (t.type === "scatter" && (t.mode || "markers") === "markers" && t.orientation !== "v") ||
    (t.type === "bar" && t.orientation === "h"));
}

function arrayOf(value, n, fallback) {
  return Array.isArray(value) ? value : Array.from({ length: n }, () => value ?? fallback);
}

function marker(parent, symbol, cx, cy, size, colour, lineColour) {
  const r = size / 2;
  const open = String(symbol).endsWith("-open");
  const shape = String(symbol).replace("-open", "");
  const paint = open ? { fill: "none", stroke: colour, "stroke-width": 2 }
    : { fill: colour, stroke: lineColour || colour, "stroke-width": 1 };
  if (shape === "diamond") {
    svgNode("path", { d: `M${cx - r * 1.3},${cy}L${cx},${cy - r * 1.3}L${cx + r * 1.3},${cy}L${cx},${cy + r * 1.3}Z`,
      ...paint }, parent);
  } else {
    svgNode("circle", { cx, cy, r: open ? r - 1 : r, ...paint }, parent);
  }
}

// Horizontal rows: category labels at the left (top to bottom when the axis is reversed), a linear x axis below.
function paintRows(svg, figure, width) {
  const { layout } = figure;
  // Each trace's coordinates decoded once, for the axis range and the drawing alike.
  const data = figure.data.map((t) => ({ ...t, x: values(t.x || []), y: values(t.y || []) }));
  const font = { family: "sans-serif", size: 12, ...(layout.font || {}) };
  const lineHeight = Math.round(font.size * 1.3);
  const margin = { l: 80, r: 80, t: 100, b: 80, ...(layout.margin || {}) };
  const height = layout.height || 450;
  const xaxis = layout.xaxis || {};
  const yaxis = layout.yaxis || {};
  const categories = categoriesOf(figure);
  const labels = categories.map(plainLines);
  const widest = Math.max(0, ...labels.flat().map((line) => textWidth(line, font)));
  const left = Math.max(margin.l, widest + 8);
  const plot = { x: left, y: margin.t, w: width - left - margin.r, h: height - margin.t - margin.b };
  if (plot.w < 40 || plot.h < 20) return false;

  const stacked = layout.barmode === "stack";
  let range = xaxis.range;
  if (!range) {
    const ends = [0];
    const totals = {};
    for (const t of data) {
      t.x.forEach((x, i) => {
        const key = String(t.y[i]);
        totals[key] = (stacked ? totals[key] || 0 : 0) + x;
        ends.push(totals[key], x);
      });
    }
    range = [Math.min(...ends), Math.max(...ends) * 1.05 || 1];
  }
  const x = (v) => plot.x + ((v - range[0]) / (range[1] - range[0])) * plot.w;
  const n = Math.max(1, categories.length);
  const reversed = yaxis.autorange === "reversed";
  const band = plot.h / n;
  const y = (i) => plot.y + band * ((reversed ? i : n - 1 - i) + 0.5);
  const index = new Map(categories.map((c, i) => [c, i]));

  svgNode("rect", { x: plot.x, y: plot.y, width: plot.w, height: plot.h, fill: layout.plot_bgcolor || "#ffffff" }, svg);
  // Shapes on the layer below the data (tie bands), then grid lines.
  const shapes = layout.shapes || [];
  const shapeBox = (s) => ({
    x0: s.xref === "x domain" ? plot.x + s.x0 * plot.w : x(s.x0),
    x1: s.xref === "x domain" ? plot.x + s.x1 * plot.w : x(s.x1),
    y0: s.yref === "y domain" ? plot.y + (1 - s.y0) * plot.h : y(s.y0),
    y1: s.yref === "y domain" ? plot.y + (1 - s.y1) * plot.h : y(s.y1),
  });
  for (const s of shapes.filter((s) => s.type === "rect")) {
    const b = shapeBox(s);
    svgNode("rect", { x: Math.min(b.x0, b.x1), y: Math.min(b.y0, b.y1), width: Math.abs(b.x1 - b.x0),
      height: Math.abs(b.y1 - b.y0), fill: s.fillcolor || "#eeeeee" }, svg);
  }
  const { ticks, step } = niceTicks(range[0], range[1], Math.max(2, Math.min(8, Math.round(plot.w / 80))));
  for (const t of ticks) {
    const zero = t === 0 && xaxis.zeroline !== false;
    svgNode("line", { x1: x(t), x2: x(t), y1: plot.y, y2: plot.y + plot.h,
      stroke: zero ? xaxis.zerolinecolor || INK : xaxis.gridcolor || GRID, "stroke-width": 1 }, svg);
    textNode(svg, [formatTick(t, xaxis.tickformat, step)], x(t), plot.y + plot.h + 4 + font.size,
      { "text-anchor": "middle", fill: INK, "font-size": font.size, "font-family": font.family }, lineHeight);
  }
  labels.forEach((lines, i) => {
    svgNode("line", { x1: plot.x, x2: plot.x + plot.w, y1: y(i), y2: y(i), stroke: yaxis.gridcolor || GRID }, svg);
    const top = y(i) - ((lines.length - 1) * lineHeight) / 2 + font.size * 0.35;
    textNode(svg, lines, plot.x - 4, top, { "text-anchor": "end", fill: INK, "font-size": font.size,
      "font-family": font.family }, lineHeight);
  });

  const ends = {};
  for (const t of data) {
    const { x: xs, y: ys } = t;
    const colours = arrayOf(values((t.marker || {}).color), xs.length, "#1f77b4");
    if (t.type === "bar") {
      xs.forEach((v, i) => {
        const row = index.get(String(ys[i]));
        if (row === undefined || v === null) return;
        const base = stacked ? ends[row] || 0 : 0;
        ends[row] = base + v;
        const x0 = x(Math.max(range[0], base));
        const x1 = x(Math.min(range[1], base + v));
        svgNode("rect", { x: Math.min(x0, x1), y: y(row) - band * 0.4, width: Math.abs(x1 - x0), height: band * 0.8,
          fill: colours[i] }, svg);
        const label = Array.isArray(t.text) ? String(t.text[i]) : null;
        if (label) {
          const inside = textWidth(label, font) + 8 < Math.abs(x1 - x0);
          textNode(svg, [label], inside ? x1 - 4 : x1 + 4, y(row) + font.size * 0.35,
            { "text-anchor": inside ? "end" : "start", fill: inside ? "#ffffff" : INK, "font-size": font.size,
              "font-family": font.family }, lineHeight);
        }
      });
      continue;
    }
    const m = t.marker || {};
    const lineColours = arrayOf(values((m.line || {}).color), xs.length, null);
    const err = t.error_x || {};
    const plus = values(err.array);
    const minus = values(err.arrayminus) || plus;
    xs.forEach((v, i) => {
      const row = index.get(String(ys[i]));
      if (row === undefined || v === null || Number.isNaN(v)) return;
      if (err.type === "data" && Array.isArray(plus)) {
        const lo = x(v - minus[i]);
        const hi = x(v + plus[i]);
        const cap = (err.width ?? 4);
        const stroke = { stroke: err.color || colours[i], "stroke-width": err.thickness || 2 };
        svgNode("path", { d: `M${lo},${y(row)}H${hi}M${lo},${y(row) - cap}V${y(row) + cap}M${hi},${y(row) - cap}V${
          y(row) + cap}`, fill: "none", ...stroke }, svg);
      }
      marker(svg, m.symbol || "circle", x(v), y(row), m.size || 6, colours[i], lineColours[i]);
    });
  }
  for (const s of shapes.filter((s) => s.type === "line")) {
    const b = shapeBox(s);
    const line = s.line || {};
    svgNode("line", { x1: b.x0, x2: b.x1, y1: b.y0, y2: b.y1, stroke: line.color || INK, "stroke-width": line.width || 2,
      "stroke-dasharray": DASHES[line.dash] || "none" }, svg);
  }
  for (const a of layout.annotations || []) {
    if (a.xref !== "x" || a.yref !== "y domain") continue;
    textNode(svg, plainLines(a.text), x(a.x), plot.y + (1 - a.y) * plot.h - 4, { "text-anchor": "middle",
      fill: (a.font || {}).color || INK, "font-size": font.size, "font-family": font.family }, lineHeight);
  }
  if (xaxis.title && xaxis.title.text) {
    const tickBottom = plot.y + plot.h + 4 + font.size;
    textNode(svg, plainLines(xaxis.title.text), plot.x + plot.w / 2, tickBottom + 8 + font.size,
      { "text-anchor": "middle", fill: INK, "font-size": font.size, "font-family": font.family }, lineHeight);
  }
  if (layout.showlegend !== false && (data.length > 1 || layout.showlegend === true)) {
    paintLegend(svg, data, font, plot.x, width - margin.r, height, lineHeight);
  }
  return true;
}

// The legend along the figure's foot, entries in rows that wrap like Plotly's horizontal legend.
function paintLegend(svg, data, font, left, right, height, lineHeight) {
  const entries = data.filter((t) => t.showlegend !== false && t.name).map((t) => ({ trace: t,
    width: 40 + textWidth(plainLines(t.name).join(" "), font) + 10 }));
  const rows = [[]];
  let used = 0;
  for (const entry of entries) {
    if (used + entry.width > right - left && rows[rows.length - 1].length) {
      rows.push([]);
      used = 0;
    }
    rows[rows.length - 1].push(entry);
    used += entry.width;
  }
  rows.forEach((row, r) => {
    const cy = height - 10 - (rows.length - 1 - r) * (lineHeight + 6) - lineHeight / 2;
    let at = left;
    for (const { trace, width } of row) {
      const colour = [].concat((trace.marker || {}).color || "#1f77b4")[0];
      if (trace.type === "bar") svgNode("rect", { x: at + 10, y: cy - 6, width: 20, height: 12, fill: colour }, svg);
      else marker(svg, (trace.marker || {}).symbol || "circle", at + 20, cy, (trace.marker || {}).size || 6, colour);
      textNode(svg, [plainLines(trace.name).join(" ")], at + 40, cy + font.size * 0.35, { fill: INK,
        "font-size": font.size, "font-family": font.family }, lineHeight);
      at += width;
    }
  });
}

// Natural Earth I (Šavrič, Patterson and Jenny, 2015), the projection the site's map asks plotly.js for: the
// published polynomial, longitude and latitude in radians.
function naturalEarth(lon, lat) {
  const l = (lon * Math.PI) / 180;
  const p = (lat * Math.PI) / 180;
  const p2 = p * p;
  const p4 = p2 * p2;
  return [l * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4))),
    p * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)))];
}

// The outlines, fetched and decoded into rings once per page whatever the number of maps and redraws.
const WORLDS = new Map();
function world(url) {
  if (!WORLDS.has(url)) {
    WORLDS.set(url, fetch(url).then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
      .then(countryRings));
  }
  return WORLDS.get(url);
}

// Each country's rings as lists of [lon, lat], from the TopoJSON's quantised, delta-encoded arcs.
function countryRings(topo) {
  const [sx, sy] = topo.transform.scale;
  const [tx, ty] = topo.transform.translate;
  const arcs = topo.arcs.map((arc) => {
    let a = 0;
    let b = 0;
    return arc.map(([dx, dy]) => {
      a += dx;
      b += dy;
      return [a * sx + tx, b * sy + ty];
    });
  });
  const ring = (ids) => ids.flatMap((id, k) => {
    const points = id >= 0 ? arcs[id] : arcs[~id].slice().reverse();
    return k === 0 ? points : points.slice(1);
  });
  const out = new Map();
  for (const g of topo.objects.countries.geometries) {
    const polygons = g.type === "Polygon" ? [g.arcs] : g.type === "MultiPolygon" ? g.arcs : [];
    out.set(g.id, polygons.flatMap((polygon) => polygon.flatMap((ids) => acrossTheDateLine(ring(ids)))));
  }
  return out;
}

// A ring that steps across the 180th meridian (Russia, Fiji in the 110m outlines) would be drawn as a band across the
// whole map: it is cut at each such step into pieces, each closed along its own edge of the map (the first and the
// last piece are one piece when the ring starts and ends on the same side).
function acrossTheDateLine(points) {
  const pieces = [[]];
  points.forEach((p, i) => {
    if (i > 0 && Math.abs(p[0] - points[i - 1][0]) > 180) pieces.push([]);
    pieces[pieces.length - 1].push(p);
  });
  if (pieces.length > 2 && Math.sign(pieces[0][0][0]) === Math.sign(pieces[pieces.length - 1][0][0])) {
    pieces[0] = pieces.pop().concat(pieces[0]);
  }
  return pieces.filter((piece) => piece.length > 2);
}

function hexColour(hex) {
  const h = hex.replace("#", "");
  return [0, 2, 4].map((k) => parseInt(h.slice(k, k + 2), 16));
}

// The colour of z on a two-or-more-stop scale between zmin and zmax, as plotly.js interpolates it (in RGB).
function scaleColour(scale, t) {
  for (let k = 1; k < scale.length; k++) {
    const [p0, c0] = scale[k - 1];
    const [p1, c1] = scale[k];
    if (t <= p1 || k === scale.length - 1) {
      const u = p1 > p0 ? Math.min(1, Math.max(0, (t - p0) / (p1 - p0))) : 0;
      const a = hexColour(c0);
      const b = hexColour(c1);
      return `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * u)).join(",")})`;
    }
  }
  return scale[0][1];
}

function isMap(figure) {
  const t = figure.data[0];
  return figure.data.length === 1 && t.type === "choropleth" && t.locationmode === "ISO-3" &&
    (figure.layout.geo || {}).projection?.type === "natural earth";
}

function paintMap(svg, figure, width, countries) {
  const { layout } = figure;
  const t = figure.data[0];
  const geo = layout.geo || {};
  const margin = { l: 80, r: 80, t: 100, b: 80, ...(layout.margin || {}) };
  const height = layout.height || 450;
  const font = { family: "sans-serif", size: 12, ...(layout.font || {}) };
  // Room for the horizontal colour bar (title, bar, tick labels) under the map, as plotly.js leaves it.
  const box = { x: margin.l, y: margin.t + 15, w: width - margin.l - margin.r, h: height - margin.t - margin.b - 95 };
  const lat = (geo.lataxis || {}).range || [-90, 90];
  const lon = (geo.lonaxis || {}).range || [-180, 180];
  // The projected outline of the lon × lat range (widest at the equator when it is inside the range).
  const corners = [];
  for (let i = 0; i <= 36; i++) {
    for (let j = 0; j <= 36; j++) {
      corners.push(naturalEarth(lon[0] + ((lon[1] - lon[0]) * i) / 36, lat[0] + ((lat[1] - lat[0]) * j) / 36));
    }
  }
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const k = Math.min(box.w / (x1 - x0), box.h / (y1 - y0));
  const ox = box.x + (box.w - k * (x1 - x0)) / 2;
  const oy = box.y + (box.h - k * (y1 - y0)) / 2;
  const project = ([ln, lt]) => {
    const [px, py] = naturalEarth(ln, lt);
    return `${(ox + (px - x0) * k).toFixed(1)},${(oy + (y1 - py) * k).toFixed(1)}`;
  };
  const clip = `ca-clip-${Math.random().toString(36).slice(2)}`;
  const clipPath = svgNode("clipPath", { id: clip }, svgNode("defs", {}, svg));
  svgNode("rect", { x: ox, y: oy, width: k * (x1 - x0), height: k * (y1 - y0) }, clipPath);
  const layer = svgNode("g", { "clip-path": `url(#${clip})` }, svg);
  const zs = values(t.z) || [];
  const z = new Map(values(t.locations || []).map((id, i) => [id, zs[i]]));
  const known = [...z.values()].filter((v) => v !== null && Number.isFinite(v));
  const zmin = t.zmin ?? Math.min(...known);
  const zmax = t.zmax ?? Math.max(...known);
  const scale = t.colorscale || [[0, "#dcebf5"], [1, "#0072b2"]];
  for (const [id, rings] of countries) {
    const value = z.get(id);
    const fill = value === undefined || value === null ? geo.landcolor || "#f2f2f2"
      : scaleColour(scale, zmax > zmin ? (value - zmin) / (zmax - zmin) : 1);
    const d = rings.map((r) => `M${r.map(project).join("L")}Z`).join("");
    svgNode("path", { d, fill, stroke: value === undefined ? geo.countrycolor || "#bbbbbb" : "#ffffff",
      "stroke-width": 0.5 }, layer);
  }
  if (!known.length) return true;
  // The colour bar: a gradient over the middle of the width (the trace's colorbar len), titled above, ticked below.
  const mapBottom = oy + k * (y1 - y0);
  const bar = { w: box.w * ((t.colorbar || {}).len || 0.6), h: (t.colorbar || {}).thickness || 10 };
  bar.x = box.x + (box.w - bar.w) / 2;
  bar.y = mapBottom + 35;
  const gradient = `ca-grad-${Math.random().toString(36).slice(2)}`;
  const grad = svgNode("linearGradient", { id: gradient }, svg.querySelector("defs"));
  for (const [p, c] of scale) svgNode("stop", { offset: p, "stop-color": c }, grad);
  svgNode("rect", { x: bar.x, y: bar.y, width: bar.w, height: bar.h, fill: `url(#${gradient})`, stroke: INK,
    "stroke-width": 0.5 }, svg);
  const style = { fill: INK, "font-size": font.size, "font-family": font.family };
  const title = ((t.colorbar || {}).title || {}).text;
  if (title) textNode(svg, plainLines(title), bar.x + bar.w / 2, bar.y - 8, { "text-anchor": "middle", ...style }, 0);
  const { ticks, step } = niceTicks(zmin, zmax, Math.max(2, Math.min(8, Math.round(bar.w / 90))));
  for (const v of ticks.filter((v) => v >= zmin && v <= zmax)) {
    const at = zmax > zmin ? bar.x + ((v - zmin) / (zmax - zmin)) * bar.w : bar.x + bar.w / 2;
    textNode(svg, [formatTick(v, "", step)], at, bar.y + bar.h + font.size + 4, { "text-anchor": "middle", ...style },
      0);
  }
  return true;
}

// Draws the still picture into `layer` (emptied first); resolves true when it drew one, false when this figure is
// not one it knows or the map's outlines could not be fetched.
function paintStatic(layer, figure, width, topojsonBase) {
  layer.replaceChildren();
  const height = figure.layout.height || 450;
  if (!(width > 0)) return Promise.resolve(false);
  const svg = svgNode("svg", { width, height, viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true",
    focusable: "false" });
  const place = (drawn) => {
    if (drawn) layer.appendChild(svg);
    return drawn;
  };
  if (isRows(figure)) return Promise.resolve(place(paintRows(svg, figure, width)));
  if (isMap(figure)) {
    return world(`${topojsonBase}world_110m.json`).then((countries) => place(paintMap(svg, figure, width, countries)),
      () => false);
  }
  return Promise.resolve(false);
}
