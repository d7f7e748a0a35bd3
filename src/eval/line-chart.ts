/**
 * Line charts as standalone SVG text (no browser, no dependency): several series over a shared x axis with "nice"
 * ticks, a legend and titles, and a grid of such panels in one file. `sidrec curves` draws training runs with it
 * (validation metrics and loss by epoch), so runs are compared by looking rather than by reading columns.
 */

export interface Series {
  readonly label: string;
  /** (x, y) points in x order; non-finite y values are skipped. */
  readonly points: readonly (readonly [number, number])[];
}

export interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
}

/** Tableau 10: distinguishable, also in grey-scale print order. */
const COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const PANEL_W = 520;
const PANEL_H = 320;
const MARGIN = { left: 64, right: 16, top: 36, bottom: 48 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 x 10^k). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** One panel's SVG elements, its top-left corner at (x0, y0). */
function panelSvg(panel: Panel, x0: number, y0: number): string {
  const finite = panel.series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(y)));
  const out: string[] = [`<g transform="translate(${x0},${y0})">`];
  out.push(`<text x="${PANEL_W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(panel.title)}</text>`);
  const w = PANEL_W - MARGIN.left - MARGIN.right;
  const h = PANEL_H - MARGIN.top - MARGIN.bottom;
  if (finite.length === 0) {
    out.push(`<text x="${PANEL_W / 2}" y="${PANEL_H / 2}" text-anchor="middle" font-size="12" fill="#888">no values</text></g>`);
    return out.join('');
  }
  let [xlo, xhi, ylo, yhi] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of finite) [xlo, xhi, ylo, yhi] = [Math.min(xlo, x), Math.max(xhi, x), Math.min(ylo, y), Math.max(yhi, y)];
  if (xhi === xlo) [xlo, xhi] = [xlo - 1, xhi + 1];
  const pad = yhi > ylo ? 0.05 * (yhi - ylo) : Math.abs(yhi) * 0.1 || 1;
  [ylo, yhi] = [ylo - pad, yhi + pad];
  const sx = (x: number): number => MARGIN.left + ((x - xlo) / (xhi - xlo)) * w;
  const sy = (y: number): number => MARGIN.top + (1 - (y - ylo) / (yhi - ylo)) * h;
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${w}" height="${h}" fill="none" stroke="#ccc"/>`);
  for (const t of niceTicks(ylo, yhi)) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + w}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${formatTick(t)}</text>`);
  }
  for (const t of niceTicks(xlo, xhi, 8)) {
    const x = sx(t).toFixed(1);
    out.push(`<text x="${x}" y="${MARGIN.top + h + 16}" text-anchor="middle" font-size="11">${formatTick(t)}</text>`);
  }
  out.push(`<text x="${MARGIN.left + w / 2}" y="${PANEL_H - 8}" text-anchor="middle" font-size="12">${escapeXml(panel.xLabel)}</text>`);
  out.push(`<text transform="translate(14,${MARGIN.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(panel.yLabel)}</text>`);
  const drawn = panel.series.map((s) => s.points.filter(([, y]) => Number.isFinite(y)).map(([x, y]) => [sx(x), sy(y)] as const));
  drawn.forEach((pts, i) => {
    const colour = COLOURS[i % COLOURS.length];
    if (pts.length > 1)
      out.push(`<polyline points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const [x, y] of pts) out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="${colour}"/>`);
  });
  // The legend: a white box drawn over the lines, in the corner of the plot that hides the fewest points.
  const legend = { w: 40 + 6.5 * Math.max(...panel.series.map((s) => s.label.length)), h: 16 * panel.series.length + 2 };
  const { x: lx, y: ly } = legendCorner(
    drawn.flat(),
    { left: MARGIN.left + 4, top: MARGIN.top + 3, right: MARGIN.left + w - 4, bottom: MARGIN.top + h - 3 },
    legend,
  );
  out.push(
    `<rect x="${lx.toFixed(0)}" y="${ly.toFixed(0)}" width="${legend.w.toFixed(0)}" height="${legend.h}" fill="white" fill-opacity="0.85" stroke="#ddd"/>`,
  );
  panel.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const y = ly + 9 + 16 * i;
    out.push(`<line x1="${(lx + 4).toFixed(0)}" x2="${(lx + 22).toFixed(0)}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${(lx + 26).toFixed(0)}" y="${y}" dominant-baseline="middle" font-size="11">${escapeXml(s.label)}</text>`);
  });
  out.push('</g>');
  return out.join('');
}

/**
 * The top-left corner of a `box`-sized legend inside `plot`: of its four corners (top-left, top-right, bottom-right,
 * bottom-left, in that order of preference on ties), the one whose box covers the fewest of `points`.
 */
export function legendCorner(
  points: readonly (readonly [number, number])[],
  plot: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number },
  box: { readonly w: number; readonly h: number },
): { x: number; y: number } {
  const corners = [
    { x: plot.left, y: plot.top },
    { x: plot.right - box.w, y: plot.top },
    { x: plot.right - box.w, y: plot.bottom - box.h },
    { x: plot.left, y: plot.bottom - box.h },
  ];
  const hidden = corners.map(({ x, y }) => points.filter(([px, py]) => px >= x && px <= x + box.w && py >= y && py <= y + box.h).length);
  return corners[hidden.indexOf(Math.min(...hidden))] as { x: number; y: number };
}

/** Panels in a grid of `columns`, as one SVG document. */
export function chartsSvg(panels: readonly Panel[], columns = 2): string {
  const cols = Math.max(1, Math.min(columns, panels.length));
  const rows = Math.ceil(panels.length / cols);
  const width = cols * PANEL_W;
  const height = rows * PANEL_H;
  const body = panels.map((p, i) => panelSvg(p, (i % cols) * PANEL_W, Math.floor(i / cols) * PANEL_H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
