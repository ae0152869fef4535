// Small bar charts drawn as inline SVG (no library): one or more series over categories.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 280;
const MARGIN = { top: 36, right: 16, bottom: 64, left: 56 };
let chartSerial = 0;

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// A round tick step giving about four intervals up to `maxValue`; whole steps for counts.
function axisScale(maxValue, integer) {
  if (maxValue <= 0) return { top: integer ? 4 : 1, step: integer ? 1 : 0.25 };
  const raw = maxValue / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const multiples = integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  let step = multiples.find((m) => raw <= m * power) * power;
  if (integer) step = Math.max(1, Math.round(step));
  return { top: Math.ceil(maxValue / step - 1e-9) * step, step };
}

// barChart({title, description, categories, series: [{name, values, className}], format,
//           maxValue, integer, reference: {value, label}}) -> an <svg> element.
export function barChart({
  title,
  description,
  categories,
  series,
  format = (v) => String(v),
  maxValue,
  integer = false,
  reference,
}) {
  const id = `chart-${++chartSerial}`;
  const svg = el("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-labelledby": `${id}-title ${id}-desc`,
    class: "bar-chart",
    preserveAspectRatio: "xMidYMid meet",
  });
  svg.appendChild(el("title", { id: `${id}-title` }, title));
  svg.appendChild(el("desc", { id: `${id}-desc` }, description));

  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined));
  const highest = Math.max(maxValue ?? 0, reference ? reference.value : 0, ...values, 0);
  const { top, step } = axisScale(highest, integer);
  const y = (v) => MARGIN.top + plotHeight - (v / top) * plotHeight;

  const axis = el("g", { class: "axis" });
  for (let i = 0; i * step <= top + 1e-9; i += 1) {
    const v = i * step;
    axis.appendChild(el("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(v), y2: y(v), class: "grid" }));
    axis.appendChild(el("text", { x: MARGIN.left - 6, y: y(v) + 4, "text-anchor": "end" }, format(v)));
  }
  svg.appendChild(axis);

  const band = plotWidth / Math.max(categories.length, 1);
  const barWidth = Math.min(48, (band * 0.75) / series.length);
  const showValues = categories.length * series.length <= 24;
  const rotate = categories.length > 8;
  const bars = el("g", { class: "bars" });
  categories.forEach((category, index) => {
    const left = MARGIN.left + band * index + (band - barWidth * series.length) / 2;
    series.forEach((s, k) => {
      const value = s.values[index];
      if (value === null || value === undefined) return;
      const x = left + k * barWidth;
      const rect = el("rect", {
        x,
        y: y(value),
        width: Math.max(barWidth - 2, 1),
        height: Math.max(MARGIN.top + plotHeight - y(value), 0),
        class: `bar ${s.className || ""}`,
      });
      rect.appendChild(el("title", {}, `${category} ${s.name}：${format(value)}`));
      bars.appendChild(rect);
      if (showValues) {
        bars.appendChild(
          el("text", { x: x + barWidth / 2 - 1, y: y(value) - 4, "text-anchor": "middle", class: "value" }, format(value)),
        );
      }
    });
    const labelX = MARGIN.left + band * index + band / 2;
    const labelY = HEIGHT - MARGIN.bottom + 16;
    const text = el(
      "text",
      rotate
        ? { x: labelX, y: labelY, "text-anchor": "end", transform: `rotate(-40 ${labelX} ${labelY})` }
        : { x: labelX, y: labelY, "text-anchor": "middle" },
      category,
    );
    text.setAttribute("class", "category");
    bars.appendChild(text);
  });
  svg.appendChild(bars);

  if (reference) {
    svg.appendChild(el("line", {
      x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(reference.value), y2: y(reference.value), class: "reference",
    }));
    svg.appendChild(el("text", { x: WIDTH - MARGIN.right, y: y(reference.value) - 4, "text-anchor": "end", class: "reference-label" }, reference.label));
  }
  svg.appendChild(el("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(0), y2: y(0), class: "baseline" }));

  if (series.length > 1) {
    const legend = el("g", { class: "legend" });
    series.forEach((s, k) => {
      const x = MARGIN.left + k * 120;
      legend.appendChild(el("rect", { x, y: 6, width: 12, height: 12, class: `bar ${s.className || ""}` }));
      legend.appendChild(el("text", { x: x + 16, y: 16 }, s.name));
    });
    svg.appendChild(legend);
  }
  return svg;
}

// A plain table of the same figures, for screen readers and for copying.
export function dataTable(caption, headers, rows) {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = "查看数据表";
  details.appendChild(summary);
  const table = document.createElement("table");
  const cap = document.createElement("caption");
  cap.textContent = caption;
  table.appendChild(cap);
  const head = table.createTHead().insertRow();
  for (const header of headers) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = header;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const value of row) tr.insertCell().textContent = value ?? "—";
  }
  details.appendChild(table);
  return details;
}
