// A key's daily usage as a stacked bar chart drawn here, in SVG (no third-party service),
// with a text summary for screen readers and the same numbers as a table on request.

import { h, svg } from './dom.js';
import { formatDay, t } from './strings.js';

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 40 };

function allDays(report) {
  // The API lists only days with decisions; the chart shows every day of the range.
  const counts = new Map(report.days.map((day) => [day.day, day]));
  const days = [];
  for (let at = new Date(`${report.from}T00:00:00Z`); at <= new Date(`${report.to}T00:00:00Z`); at.setUTCDate(at.getUTCDate() + 1)) {
    const day = at.toISOString().slice(0, 10);
    days.push(counts.get(day) || { day, allowed: 0, denied: 0 });
  }
  return days;
}

function niceMax(value) {
  if (value <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

function bars(days, top) {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / days.length;
  const width = Math.max(2, slot * 0.7);
  const y = (value) => (value / top) * plotHeight;
  return days.map((day, index) => {
    const x = PAD.left + index * slot + (slot - width) / 2;
    const allowed = y(day.allowed);
    const denied = y(day.denied);
    const base = HEIGHT - PAD.bottom;
    return svg('g', {},
      svg('title', {}, `${formatDay(day.day)}: ${t('detail.allowed')} ${day.allowed}, ${t('detail.denied')} ${day.denied}`),
      svg('rect', { class: 'chart__allowed', x, y: base - allowed, width, height: allowed }),
      svg('rect', { class: 'chart__denied', x, y: base - allowed - denied, width, height: denied }));
  });
}

function axes(days, top) {
  const base = HEIGHT - PAD.bottom;
  const slot = (WIDTH - PAD.left - PAD.right) / days.length;
  const labels = [];
  for (let index = 0; index < days.length; index += 7) {
    labels.push(svg('text', { class: 'chart__label', x: PAD.left + index * slot + slot / 2, y: HEIGHT - 8, 'text-anchor': 'middle' }, formatDay(days[index].day)));
  }
  const grid = [0, top / 2, top].map((value) => {
    const at = base - (value / top) * (HEIGHT - PAD.top - PAD.bottom);
    return svg('g', {},
      svg('line', { class: 'chart__grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: at, y2: at }),
      svg('text', { class: 'chart__label', x: PAD.left - 6, y: at + 4, 'text-anchor': 'end' }, String(value)));
  });
  return [...grid, ...labels];
}

/** The chart, a legend and a table of the same numbers, for one usage report. */
export function usageChart(report) {
  const days = allDays(report);
  const top = niceMax(Math.max(...days.map((day) => day.allowed + day.denied), 0));
  const summary = t('detail.usageSummary', {
    allowed: report.allowed, denied: report.denied, from: formatDay(report.from), to: formatDay(report.to),
  });
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': summary },
    ...axes(days, top), ...bars(days, top));
  const table = h('table', { class: 'table table--compact' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('detail.day')), h('th', { scope: 'col' }, t('detail.allowed')), h('th', { scope: 'col' }, t('detail.denied')))),
    h('tbody', {}, days.filter((day) => day.allowed || day.denied).map((day) => h('tr', {},
      h('th', { scope: 'row' }, formatDay(day.day)), h('td', {}, day.allowed), h('td', {}, day.denied)))));
  return h('figure', { class: 'figure' },
    chart,
    h('figcaption', {},
      h('span', { class: 'legend legend--allowed' }, t('detail.allowed')),
      h('span', { class: 'legend legend--denied' }, t('detail.denied')),
      h('span', { class: 'hint' }, summary)),
    h('details', {}, h('summary', {}, t('detail.asTable')), table));
}
