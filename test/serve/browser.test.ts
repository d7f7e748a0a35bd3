/**
 * The explorer end to end in headless Chromium (playwright-core driving Debian's /usr/bin/chromium): search
 * items by title, build a history by clicking results, see the recommendations with titles, scores and semantic
 * IDs (the same ranking the API gives), and the tokenizer's codebook-usage charts. Skipped, saying why, only
 * when Chromium is absent and SIDREC_REQUIRE_BROWSER is not set (CI sets it, so there it must run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../src/serve/app.js';
import { missingBrowser, withExplorer } from './chromium.js';
import { sidKnnFixture } from './helpers.js';

const missing = missingBrowser();

test('explorer: search, build a history, see ranked items with SIDs and codebook charts', {
  skip: missing || false,
  timeout: 60_000,
}, async () => {
  const fx = sidKnnFixture();
  const app = await buildServer({ modelDir: 'sid-knn', open: () => fx.open() });
  await withExplorer(app, async (page, pageErrors) => {
    await page.locator('#model', { hasText: 'sid-knn' }).waitFor();
    assert.match((await page.locator('#model').textContent()) ?? '', new RegExp(`${fx.dataset.numItems} items`));

    // Codebook usage: one bar per digit in each chart, heights from the tokenizer report.
    const report = app.sidrec.state.model.recommender.tokenizerReport!;
    assert.equal(await page.locator('#chart-utilisation rect.bar').count(), report.digits);
    assert.equal(await page.locator('#chart-perplexity rect.bar2').count(), report.digits);
    const heights = await page.locator('#chart-utilisation rect.bar').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('height'))));
    assert.ok(
      heights.every((h) => h > 0),
      `utilisation bars ${heights}`,
    );

    // Code use per digit (rank-frequency curves from GET /v1/model/codes) and the collision groups.
    const codes = (await app.inject({ method: 'GET', url: '/v1/model/codes' })).json();
    assert.equal(codes.digits, report.digits);
    assert.equal(
      codes.perDigit[0].reduce((a: number, b: number) => a + b, 0),
      fx.dataset.numItems,
      'every item counted once per digit',
    );
    await page.locator('#chart-codes-0').waitFor();
    assert.equal(await page.locator('#chart-codes-0 circle').count(), codes.perDigit[0].length);
    assert.match((await page.locator('#collision-groups').textContent()) ?? '', /unique SIDs/);

    // Build a history by searching titles and clicking results.
    const first = fx.dataset.catalog.texts[0].title!;
    await page.fill('#search', first.split(' ')[0]);
    await page.locator('#results button', { hasText: first }).click();
    const second = fx.dataset.catalog.texts[1].title!;
    await page.fill('#search', second.split(' ').slice(0, 2).join(' '));
    await page.locator('#results button', { hasText: second }).click();
    assert.deepEqual(await page.locator('#history li').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-id'))), ['1', '2']);

    // Recommendations: the API's ranking, each with title, score and SID.
    await page.locator('#recs tr').nth(9).waitFor();
    const rows = await page.locator('#recs tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute('data-id'),
        cells: Array.from(tr.querySelectorAll('td'), (td) => (td as { textContent: string | null }).textContent ?? ''),
      })),
    );
    const api = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: ['1', '2'], k: 10 } })).json();
    assert.deepEqual(
      rows.map((r) => r.id),
      api.items.map((r: { id: string }) => r.id),
    );
    rows.forEach((row, i) => {
      const item = api.items[i];
      assert.ok(row.cells[1].includes(item.title), `row ${i} title`);
      assert.equal(row.cells[2], item.score.toFixed(4));
      assert.equal(row.cells[3], item.sid.join('-'));
      // Why: the history item sharing most SID digits with it (the page computes it from the same SIDs).
      const history = ['1', '2'].map((id) => app.sidrec.state.model.recommender.semanticId(app.sidrec.state.model.catalog.indexOf(id)!)!);
      const shared = Math.max(...history.map((h) => h.filter((c, d) => c === item.sid[d]).length));
      assert.ok(
        shared === 0 ? /no SID digit in common/.test(row.cells[4]) : row.cells[4].startsWith(`shares ${shared}/${item.sid.length} digits with `),
        row.cells[4],
      );
    });

    // Clicking a recommendation extends the history and re-ranks; clear empties it.
    // The ranking of the longer history is held back until after the clear: its late answer must not fill the
    // cleared page (it once did: the page dropped only answers older than the newest request, and clearing sent none).
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/v1/recommend', async (route) => {
      await held;
      await route.continue();
    });
    await page.locator('#recs tr').first().locator('button').click();
    await page.locator('#history li').nth(2).waitFor();
    const lateAnswer = page.waitForResponse((r) => r.url().endsWith('/v1/recommend'));
    await page.click('#clear');
    release();
    await lateAnswer;
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100))); // its handler has run
    assert.equal(await page.locator('#history li').count(), 0);
    assert.equal(await page.locator('#recs tr').count(), 0);
    assert.deepEqual(pageErrors, []);
  });
});
