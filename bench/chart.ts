// The latency-versus-rate chart: an SVG written by hand, log-log, one line per series.

export interface Series {
  label: string;
  color: string;
  dashed: boolean;
  /** [rate events/s, latency ms]; non-positive or non-finite points are left out. */
  points: Array<[number, number]>;
}

const W = 760;
const PLOT_H = 460;
const M = { left: 70, right: 20, top: 40, bottom: 60 };
/** The legend goes under the plot, two entries a row. */
const LEGEND_ROW = 18;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function decades(values: number[]): [number, number] {
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  return [lo, hi === lo ? lo + 1 : hi];
}

function tickLabel(exp: number, unit: string): string {
  const v = 10 ** exp;
  if (unit === 'rate') return v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v);
  return exp < 0 ? v.toFixed(-exp) : String(v);
}

export function latencyChart(title: string, series: Series[]): string {
  const clean = series.map((s) => ({ ...s, points: s.points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y)) })).filter((s) => s.points.length > 0);
  const xs = clean.flatMap((s) => s.points.map((p) => p[0]));
  const ys = clean.flatMap((s) => s.points.map((p) => p[1]));
  const [x0, x1] = xs.length ? decades(xs) : [1, 5];
  const [y0, y1] = ys.length ? decades(ys) : [-2, 2];
  const pw = W - M.left - M.right;
  const ph = PLOT_H - M.top - M.bottom;
  const H = PLOT_H + Math.ceil(clean.length / 2) * LEGEND_ROW + 10;
  const px = (x: number): number => M.left + ((Math.log10(x) - x0) / (x1 - x0)) * pw;
  const py = (y: number): number => M.top + ph - ((Math.log10(y) - y0) / (y1 - y0)) * ph;
  const f = (n: number): string => n.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escape(title)}</text>`,
  ];
  for (let e = x0; e <= x1; e++) {
    const x = px(10 ** e);
    out.push(`<line x1="${f(x)}" y1="${M.top}" x2="${f(x)}" y2="${M.top + ph}" stroke="#ddd"/>`);
    out.push(`<text x="${f(x)}" y="${M.top + ph + 18}" text-anchor="middle">${tickLabel(e, 'rate')}</text>`);
  }
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${M.left}" y1="${f(y)}" x2="${M.left + pw}" y2="${f(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 8}" y="${f(y + 4)}" text-anchor="end">${tickLabel(e, 'ms')}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${PLOT_H - 18}" text-anchor="middle">rate, events/s (log)</text>`);
  out.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">latency emission → next_batch return, ms (log)</text>`);
  for (const s of clean) {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts.map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ')}"/>`);
    for (const [x, y] of pts) out.push(`<circle cx="${f(px(x))}" cy="${f(py(y))}" r="3.5" fill="${s.color}"><title>${escape(`${s.label}: ${y} ms at ${x}/s`)}</title></circle>`);
  }
  clean.forEach((s, i) => {
    const x = M.left + (i % 2) * (pw / 2);
    const y = PLOT_H + Math.floor(i / 2) * LEGEND_ROW;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<line x1="${x}" y1="${y}" x2="${x + 28}" y2="${y}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${x + 34}" y="${y + 4}">${escape(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
