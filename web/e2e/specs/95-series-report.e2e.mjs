// The series page (an empty list, then a series created over the API: its windows linked to
// their seasons and the rank-stability table against the API's aggregate) and an agent's report
// on the Agents page. Last, so the seasons it creates change no other page's test.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiGet, apiPost, assertNoErrors, launch, openPage, screenshot } from '../lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const pct = (fraction) => {
  const text = Math.abs(fraction * 100).toFixed(2);
  if (Number(text) === 0) return '0.00%';
  return `${fraction > 0 ? '+' : '−'}${text}%`;
};

async function finishedSeries(id) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const series = await apiGet(`/api/v1/series/${id}`);
    if (series.windows.every((window) => window.status === 'finished')) return series;
    if (Date.now() > deadline) throw new Error(`series ${id} did not finish: ${JSON.stringify(series.windows)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

test('the series page lists a series and shows how stable its ranking was across its windows', async () => {
  const empty = await openPage(browser, '/series');
  if ((await apiGet('/api/v1/series')).total === 0) {
    await empty.getByTestId('empty').waitFor();
    assert.match(await empty.getByTestId('empty').innerText(), /No series yet: run arena season series create/);
  }
  await empty.close();

  const created = await apiPost('/api/v1/series', {
    name: `wf-e2e-${Date.now()}`, kind: 'consecutive', count: 3, start: '2025-06-01',
    symbols: ['BTC/USDT:USDT'], agents: ['ema-trend', 'momentum'],
  });
  const series = await finishedSeries(created.id);
  const page = await openPage(browser, '/series');
  const row = page.locator(`[data-testid="series-row"][data-series="${series.name}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /3 finished/);
  await screenshot(page, 'series-list');
  await row.getByRole('link', { name: series.name }).click();
  await page.waitForURL(`**/series/${series.id}`);

  // the windows, each linked to its season
  const windows = page.getByTestId('window-row');
  await windows.first().waitFor();
  assert.equal(await windows.count(), 3);
  for (const window of series.windows) {
    const shown = page.locator(`[data-testid="window-row"][data-season="${window.season_id}"]`);
    assert.equal(await shown.getByRole('link').getAttribute('href'), `/arena/${window.season_id}`);
    assert.ok((await shown.innerText()).includes(window.winner), `window ${window.window}: winner ${window.winner}`);
  }

  // the rank-stability table: the API's order and figures
  const rows = page.getByTestId('stability-row');
  assert.deepEqual(await rows.evaluateAll((items) => items.map((item) => item.dataset.entry)),
    series.aggregate.entries.map((entry) => entry.name));
  for (const entry of series.aggregate.entries) {
    const shown = page.locator(`[data-testid="stability-row"][data-entry="${entry.name}"]`);
    assert.equal(await shown.getByTestId('mean-rank').innerText(), entry.mean_rank.toFixed(2));
    assert.equal(await shown.getByTestId('p-first').innerText(), `${Math.round(entry.p_first * 100)}%`);
    const bars = await shown.locator('.rank-bar').evaluateAll((items) => items.map((item) => Number(item.dataset.count)));
    assert.deepEqual(bars, entry.rank_counts);
  }
  assert.match(await page.getByTestId('kendalls-w').innerText(),
    new RegExp(`^Kendall’s W ${series.aggregate.kendalls_w.toFixed(2)} The 3 windows \\w+ agree on the order`));
  await screenshot(page, 'series');

  // a window's link opens its season on the Arena page
  await page.locator(`[data-testid="window-row"][data-season="${series.windows[0].season_id}"]`).getByRole('link').click();
  await page.waitForURL(`**/arena/${series.windows[0].season_id}`);
  await page.getByTestId('leaderboard-row').first().waitFor();
  assertNoErrors(page);
  await page.close();
});

test('an unknown series says so', async () => {
  const page = await openPage(browser, '/series/987654');
  await page.getByTestId('error').waitFor();
  assert.match(await page.getByTestId('error').innerText(), /987654/);
  assertNoErrors(page, [/status of 404/]);
  await page.close();
});

test('the Agents page shows how an agent’s calls turned out, by horizon, regime and coin', async () => {
  const name = 'regime-portfolio';
  const report = await apiGet(`/api/v1/agents/${name}/report`);
  assert.equal(report.message, '', 'the demo agent has calls');
  const page = await openPage(browser, '/agents');
  const row = page.getByTestId(`agent-row-${name}`);
  await row.getByTestId('agent-report-toggle').click();
  const panel = page.getByTestId('agent-report');
  await panel.getByTestId('report-horizon').first().waitFor();
  assert.equal(await panel.getByTestId('report-horizon').count(), report.horizons.length);
  for (const horizon of report.horizons) {
    const shown = panel.locator(`[data-testid="report-horizon"][data-bars="${horizon.bars}"]`);
    const rate = horizon.overall.hit_rate === null ? '—' : `${Math.round(horizon.overall.hit_rate * 100)}%`;
    assert.equal(await shown.getByTestId('hit-rate').innerText(), rate);
    if (horizon.overall.average_outcome !== null) {
      assert.ok((await shown.innerText()).includes(pct(horizon.overall.average_outcome)), `${horizon.bars} bars: outcome`);
    }
  }
  const regimes = Object.keys(report.horizons[0].by_regime);
  assert.equal(await panel.getByTestId('report-by_regime').locator('tbody tr').count(), new Set(report.horizons.flatMap((h) => Object.keys(h.by_regime))).size);
  assert.ok(regimes.length > 0);
  assert.ok(await panel.getByTestId('report-by_coin').locator('tbody tr').count() > 0);
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, 'agent-report');
  assertNoErrors(page);
  await page.close();
});

test('an agent report can be narrowed to one season', async () => {
  const name = 'ema-trend'; // in the demo, the LLM chat season and the live Arena test's season
  const all = await apiGet(`/api/v1/agents/${name}/report`);
  assert.ok(all.seasons.length > 1, `${name} traded in several seasons`);
  const one = all.seasons[0];
  const narrowed = await apiGet(`/api/v1/agents/${name}/report?season=${one.season_id}`);
  const page = await openPage(browser, '/agents');
  await page.getByTestId(`agent-row-${name}`).getByTestId('agent-report-toggle').click();
  const panel = page.getByTestId('agent-report');
  await panel.getByTestId('report-season').selectOption(String(one.season_id));
  await page.waitForFunction(
    (text) => document.querySelector('[data-testid="report-summary"]')?.textContent.startsWith(text),
    `${narrowed.decisions.toLocaleString('en-US')} decisions`,
  );
  const first = narrowed.horizons[0];
  const rate = first.overall.hit_rate === null ? '—' : `${Math.round(first.overall.hit_rate * 100)}%`;
  assert.equal(await panel.locator(`[data-testid="report-horizon"][data-bars="${first.bars}"]`).getByTestId('hit-rate').innerText(), rate);
  assertNoErrors(page);
  await page.close();
});
