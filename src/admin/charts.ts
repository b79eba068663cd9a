import { html, type SafeHtml } from './html.js';

/**
 * Tiny server-rendered SVG charts for the console: no script, no inline style (the console's
 * CSP forbids both), only SVG presentation attributes. Each chart is an image with a title
 * and a description (`role="img"`); the page gives the same numbers in a table.
 */

/** Colours with at least 4.5:1 contrast on white, for series in order. */
export const PALETTE = ['#0a4a86', '#b35900', '#2e7d32', '#7b1fa2', '#00695c', '#5d4037', '#ad1457', '#455a64'] as const;

export interface Series {
  readonly label: string;
  readonly color: string;
  /** One value per category, in the categories' order. */
  readonly values: readonly number[];
}

export interface ChartText {
  /** The chart's accessible name (its `<title>`). */
  readonly title: string;
  /** Its accessible description: what it shows, in a sentence. */
  readonly description: string;
}

const WIDTH = 720;
const HEIGHT = 240;
const LEFT = 44;
const BOTTOM = 28;
const TOP = 12;
/** Room on the right for the last day's label. */
const RIGHT = 20;

let ids = 0;
const nextId = () => `chart-${++ids}`;

/** A round upper bound for the axis: 1, 2 or 5 times a power of ten, at least 1. */
export function niceMax(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].map((m) => m * power).find((m) => m >= value) ?? 10 * power);
}

const frame = (text: ChartText, width: number, height: number, body: SafeHtml) => {
  const id = nextId();
  return html`<svg class="chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">
<title id="${id}-title">${text.title}</title><desc id="${id}-desc">${text.description}</desc>
${body}</svg>`;
};

/** The y axis: zero, half and the top, with faint grid lines. */
const yAxis = (max: number, plotHeight: number) =>
  [0, max / 2, max].map((v) => {
    const y = TOP + plotHeight - (v / max) * plotHeight;
    return html`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="#d5dbe3" stroke-width="1"/><text x="${LEFT - 6}" y="${y + 4}" text-anchor="end" fill="#1b1f24">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`;
  });

/** Category labels along the bottom, thinned out so that they never overlap. */
const xLabels = (categories: readonly string[], x: (i: number) => number, format: (c: string) => string) => {
  const every = Math.max(1, Math.ceil(categories.length / 10));
  return categories.map((c, i) =>
    i % every === 0 || i === categories.length - 1 ? html`<text x="${x(i)}" y="${HEIGHT - 8}" text-anchor="middle" fill="#1b1f24">${format(c)}</text>` : '',
  );
};

/**
 * Vertical bars, one per category (`<g class="bar">`), each a stack of the series' values, with a
 * `<title>` per bar (shown on hover) giving its numbers.
 */
export function stackedBarChart(text: ChartText, categories: readonly string[], series: readonly Series[], format: (c: string) => string = (c) => c): SafeHtml {
  const totals = categories.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT - RIGHT) / Math.max(1, categories.length);
  const barWidth = Math.max(1, slot * 0.7);
  const x = (i: number) => round(LEFT + slot * i + slot / 2);
  const bars = categories.map((category, i) => {
    let y = TOP + plotHeight;
    const parts = series.map((s) => {
      const value = s.values[i] ?? 0;
      if (value <= 0) return '';
      const h = (value / max) * plotHeight;
      y -= h;
      return html`<rect x="${round(x(i) - barWidth / 2)}" y="${round(y)}" width="${round(barWidth)}" height="${round(h)}" fill="${s.color}"/>`;
    });
    const detail = series.filter((s) => (s.values[i] ?? 0) > 0).map((s) => `${s.label} ${s.values[i]}`).join(', ');
    return html`<g class="bar"><title>${format(category)}: ${totals[i]}${detail ? ` (${detail})` : ''}</title>${parts}</g>`;
  });
  return frame(text, WIDTH, HEIGHT, html`${yAxis(max, plotHeight)}${bars}${xLabels(categories, x, format)}`);
}

/** A line with a dot per category (`<circle class="point">`), for a count over days. */
export function lineChart(text: ChartText, categories: readonly string[], values: readonly number[], color: string = PALETTE[0], format: (c: string) => string = (c) => c): SafeHtml {
  const max = niceMax(Math.max(0, ...values));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT - RIGHT) / Math.max(1, categories.length);
  const x = (i: number) => round(LEFT + slot * i + slot / 2);
  const y = (v: number) => round(TOP + plotHeight - (v / max) * plotHeight);
  const points = values.map((v, i) => `${x(i)},${y(v)}`).join(' ');
  const dots = categories.map((c, i) => html`<circle class="point" cx="${x(i)}" cy="${y(values[i] ?? 0)}" r="3" fill="${color}"><title>${format(c)}: ${values[i] ?? 0}</title></circle>`);
  return frame(text, WIDTH, HEIGHT, html`${yAxis(max, plotHeight)}<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2"/>${dots}${xLabels(categories, x, format)}`);
}

/** Horizontal bars, one row per label, with the value written after the bar. */
export function horizontalBarChart(text: ChartText, rows: readonly { label: string; value: number }[], color: string = PALETTE[0]): SafeHtml {
  const rowHeight = 22;
  const labelWidth = 80;
  const height = Math.max(1, rows.length) * rowHeight + 8;
  const max = niceMax(Math.max(0, ...rows.map((r) => r.value)));
  const room = WIDTH - labelWidth - 60;
  const bars = rows.map((r, i) => {
    const y = 4 + i * rowHeight;
    const w = round((r.value / max) * room);
    return html`<g class="bar"><title>${r.label}: ${r.value}</title><text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" fill="#1b1f24">${r.label}</text><rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowHeight - 6}" fill="${color}"/><text x="${labelWidth + w + 6}" y="${y + 15}" fill="#1b1f24">${r.value}</text></g>`;
  });
  return frame(text, WIDTH, height, html`${bars}`);
}

/** A legend: a swatch and a label per series (the swatch is decoration; the label says it). */
export function legend(series: readonly Pick<Series, 'label' | 'color'>[]): SafeHtml {
  return html`<ul class="legend">${series.map((s) => html`<li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect width="12" height="12" fill="${s.color}"/></svg> ${s.label}</li>`)}</ul>`;
}

const round = (n: number) => Math.round(n * 10) / 10;
