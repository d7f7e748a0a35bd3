import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartsSvg, niceTicks } from '../../src/eval/line-chart.js';

test('niceTicks: round steps of 1, 2 or 5 x 10^k inside the range', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.0123, 0.0261, 5), [0.015, 0.02, 0.025]);
  assert.deepEqual(niceTicks(1, 30, 8), [5, 10, 15, 20, 25, 30]);
  assert.deepEqual(niceTicks(3, 3), [3], 'an empty range: one tick');
});

test('chartsSvg: a panel per metric, a line and a legend entry per series, labels escaped, gaps skipped', () => {
  const svg = chartsSvg([
    {
      title: 'validation ndcg@10',
      xLabel: 'epoch',
      yLabel: 'ndcg@10',
      series: [
        {
          label: 'static <a&b>',
          points: [
            [1, 0.01],
            [2, 0.02],
            [3, Number.NaN],
            [4, 0.025],
          ],
        },
        { label: 'frequency', points: [[1, 0.012]] },
      ],
    },
    { title: 'training loss', xLabel: 'epoch', yLabel: 'loss', series: [{ label: 'x', points: [] }] },
  ]);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1040" height="320"/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 1, 'a single point draws no line');
  assert.equal((svg.match(/<circle /g) ?? []).length, 4, 'three finite points of the first series, one of the second');
  assert.ok(svg.includes('static &lt;a&amp;b&gt;') && !svg.includes('<a&b>'));
  assert.ok(svg.includes('>no values<'), 'an empty panel says so');
});

test('legendCorner: the corner whose box hides the fewest points, top-left first on ties', async () => {
  const { legendCorner } = await import('../../src/eval/line-chart.js');
  const plot = { left: 0, top: 0, right: 100, bottom: 100 };
  const box = { w: 40, h: 20 };
  assert.deepEqual(legendCorner([], plot, box), { x: 0, y: 0 }, 'nothing to hide: top-left');
  const rising = Array.from({ length: 11 }, (_, i) => [i * 10, 100 - i * 10] as const); // screen y grows downwards
  assert.deepEqual(legendCorner(rising, plot, box), { x: 0, y: 0 }, 'a rising line leaves the top-left empty');
  const crowdedTopLeft = [...rising, [5, 5], [10, 10], [15, 15]] as const;
  // Top-left now hides 3 points, top-right 3 (the line's end), bottom-left 3 (its start), bottom-right 1.
  assert.deepEqual(legendCorner([...crowdedTopLeft, [90, 95]], plot, box), { x: 60, y: 80 }, 'the emptiest corner');
  const svg = chartsSvg([{ title: 't', xLabel: 'x', yLabel: 'y', series: [{ label: 'up', points: rising.map(([x], i) => [x, i] as const) }] }]);
  const rect = svg.match(/<rect x="(\d+)" y="(\d+)" width="\d+" height="\d+" fill="white"/);
  assert.ok(rect, 'a legend box');
  assert.ok(svg.indexOf('<polyline') < svg.indexOf('fill-opacity="0.85"'), 'drawn over the lines');
  assert.equal(Number(rect[1]), 68, 'a rising series: the legend stays top-left');
});
