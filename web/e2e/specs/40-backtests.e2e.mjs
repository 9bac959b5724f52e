// The backtest workbench: configure and run a backtest, check its cards against the stored
// run, compare two runs, and sweep a small grid.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';

import { apiGet, apiPost, assertNoErrors, drawnPixels, giveToken, launch, openPage, screenshot, stack } from '../lib.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const arena = join(dirname(process.env.ARENA_PYTHON ?? join(repo, '.venv/bin/python')), 'arena');
/** The stack's database, for the CLI's own view of a stored run. */
const databaseUrl = stack.database_url;
const HEADLINE = ['total_return', 'cagr', 'max_drawdown', 'sharpe', 'sortino', 'calmar', 'volatility', 'win_rate',
  'profit_factor', 'trade_count', 'exposure', 'fees_paid'];
const BTC = 'BTC/USDT:USDT';

/** The stored run as `arena backtest show ID --json` prints it. */
async function storedRun(id) {
  const { stdout } = await promisify(execFile)(arena, ['backtest', 'show', String(id), '--json'], {
    env: { ...process.env, ARENA_DATABASE_URL: databaseUrl, NO_COLOR: '1' },
  });
  return { source: 'arena backtest show --json', ...JSON.parse(stdout) };
}

/** Wait until the chart under `selector` has drawn at least `least` pixels; return the count. */
async function waitForDrawing(page, selector, least = 2000) {
  let pixels = 0;
  for (let i = 0; i < 40 && pixels < least; i += 1) {
    pixels = await drawnPixels(page, selector);
    if (pixels < least) await page.waitForTimeout(150);
  }
  return pixels;
}

async function configureAndRun(page, { start, end, fast, slow }) {
  const form = page.getByTestId('run-form');
  await form.waitFor();
  await form.getByTestId('field-strategy').selectOption('ema_trend');
  await form.getByTestId('field-symbol').selectOption(BTC);
  await form.getByTestId('field-timeframe').selectOption('1h');
  await form.getByTestId('field-start').fill(start);
  await form.getByTestId('field-end').fill(end);
  await form.getByTestId('param-fast').fill(String(fast));
  await form.getByTestId('param-slow').fill(String(slow));
  await form.getByTestId('run-button').click();
}

async function runIdFromUrl(page) {
  await page.waitForURL(/\/backtests\/\d+$/, { timeout: 60_000 });
  return Number(new URL(page.url()).pathname.split('/').pop());
}

let browser;
let page;
const runs = [];
before(async () => {
  browser = await launch();
  page = await openPage(browser, '/backtests');
});
after(async () => {
  await browser?.close();
});

test('a backtest run from the workbench shows the metrics of the stored run', async () => {
  await configureAndRun(page, { start: '2025-01-01', end: '2025-04-01', fast: 8, slow: 21 });
  await giveToken(page); // the first write asks for the token
  const id = await runIdFromUrl(page);
  runs.push(id);
  await page.getByTestId('metric-cards').waitFor();

  const stored = await storedRun(id);
  console.log(`# metric cards checked against ${stored.source}`);
  assert.equal(stored.config.strategy, 'ema_trend');
  assert.deepEqual(stored.config.symbols, [BTC]);
  assert.deepEqual(stored.config.params, { fast: '8', slow: '21', allow_short: 'true' });
  assert.equal(stored.config.start, '2025-01-01T00:00:00Z');
  assert.equal(stored.config.end, '2025-04-01T00:00:00Z');
  assert.ok(stored.metrics.trade_count > 0, 'the run traded');
  for (const key of HEADLINE) {
    const card = page.getByTestId(`metric-${key}`);
    const shown = await card.getAttribute('data-value');
    const expected = stored.metrics[key];
    if (expected === null || expected === undefined) assert.equal(shown, '', key);
    else assert.equal(Number(shown), expected, key);
  }
  const returnText = await page.getByTestId('metric-total_return').innerText();
  const total = stored.metrics.total_return;
  assert.match(returnText, total > 0 ? /\+\d/ : total < 0 ? /−\d/ : /0\.00%/);
  assert.match(returnText, new RegExp(`${Math.abs(total * 100).toFixed(2).replace('.', '\\.')}%`));
  const trades = await page.getByTestId(`metric-trade_count`).innerText();
  assert.match(trades, new RegExp(String(stored.metrics.trade_count)));

  // the charts draw: candles with the trades, and the equity curve over its drawdown
  assert.ok((await waitForDrawing(page, '[data-testid="run-candles"]')) > 2000, 'candles drawn');
  assert.ok((await waitForDrawing(page, '[data-testid="equity-chart"]')) > 2000, 'equity drawn');
  // the trade list pages what the API stores
  const stTrades = await apiGet(`/api/v1/backtests/${id}/trades?limit=25`);
  await page.getByTestId('trades-table').waitFor();
  assert.equal(await page.getByTestId('trades-table').locator('tbody tr').count(), stTrades.items.length);
  assert.match(await page.getByTestId('trades-pager').innerText(), new RegExp(`of ${stTrades.total.toLocaleString('en-US')} trades`));
  // CSV downloads
  for (const table of ['equity', 'trades', 'orders']) {
    assert.equal(await page.getByTestId(`export-${table}`).getAttribute('href'), `/api/v1/backtests/${id}/export/${table}.csv`);
  }
  const csv = await fetch(new URL(`/api/v1/backtests/${id}/export/trades.csv`, process.env.ARENA_E2E_URL));
  assert.equal(csv.status, 200);
  assert.equal((await csv.text()).trim().split('\n').length, stTrades.total + 1);

  await screenshot(page, 'backtest-run');
  assertNoErrors(page);
});

test('two runs compare: overlaid equity curves and deltas against the first', async () => {
  assert.equal(runs.length, 1);
  await page.goto('/backtests');
  await configureAndRun(page, { start: '2025-01-01', end: '2025-04-01', fast: 5, slow: 30 });
  const second = await runIdFromUrl(page);
  runs.push(second);

  await page.goto('/backtests');
  await page.getByTestId(`run-row-${runs[0]}`).waitFor();
  await page.getByTestId(`pick-${runs[0]}`).check();
  await page.getByTestId(`pick-${runs[1]}`).check();
  await screenshot(page, 'backtest-list');
  await page.getByTestId('compare-button').click();
  await page.waitForURL(new RegExp(`/backtests/compare\\?ids=${runs[0]},${runs[1]}$`));

  const chart = page.getByTestId('compare-chart');
  await chart.waitFor();
  assert.equal(await chart.getAttribute('data-series'), '2');
  assert.ok((await waitForDrawing(page, '[data-testid="compare-chart"]')) > 2000, 'compare chart drawn');

  const compared = await apiGet(`/api/v1/backtests/compare?ids=${runs[0]},${runs[1]}`);
  const row = page.getByTestId('compare-row-total_return');
  await row.waitFor();
  const [first, other] = compared.metrics.total_return;
  const cells = row.locator('td');
  assert.match(await cells.nth(0).innerText(), new RegExp(`${Math.abs(first * 100).toFixed(2).replace('.', '\\.')}%`));
  const delta = (other - first) * 100;
  assert.match(
    await cells.nth(1).getByTestId('delta').innerText(),
    new RegExp(`^${delta > 0 ? '\\+' : delta < 0 ? '−' : '±'}${Math.abs(delta).toFixed(2).replace('.', '\\.')} pp$`),
  );
  assert.ok((await page.getByTestId('delta').count()) >= 12, 'a delta per metric');

  await screenshot(page, 'backtest-compare');
  assertNoErrors(page);
});

test('a small sweep from the workbench ranks the grid and maps it', async () => {
  await page.goto('/backtests/sweep');
  const form = page.getByTestId('sweep-form');
  await form.waitFor();
  await form.getByTestId('field-strategy').selectOption('ema_trend');
  await form.getByTestId('field-symbol').selectOption(BTC);
  await form.getByTestId('field-start').fill('2025-01-01');
  await form.getByTestId('field-end').fill('2025-03-01');
  await form.getByTestId('axis-fast-mode-range').click();
  await form.getByTestId('axis-fast-start').fill('5');
  await form.getByTestId('axis-fast-stop').fill('15');
  await form.getByTestId('axis-fast-step').fill('5');
  await form.getByTestId('axis-slow-mode-list').click();
  await form.getByTestId('axis-slow-list').fill('20, 30');
  await form.getByTestId('field-rank-by').selectOption('sharpe');
  assert.match(await form.getByTestId('combination-count').innerText(), /^6 combinations/);
  await form.getByTestId('sweep-button').click();

  const table = page.getByTestId('sweep-table');
  await table.waitFor({ timeout: 60_000 });
  const expected = await apiPost('/api/v1/backtests/sweeps', {
    strategy: 'ema_trend', symbol: BTC, timeframe: '1h', start: '2025-01-01', end: '2025-03-01', capital: 10000,
    fee_rate: 0.0005, slippage_bps: 2, leverage: 1, exchange: 'binance', params: { allow_short: true },
    grid: { fast: { start: 5, stop: 15, step: 5 }, slow: { values: [20, 30] } }, rank_by: 'sharpe',
  });
  assert.equal(expected.results.length, 6);
  const rows = page.getByTestId('sweep-row');
  assert.equal(await rows.count(), 6);
  const shownSharpe = await table.locator('td[data-metric="sharpe"]').evaluateAll((cells) => cells.map((c) => c.dataset.value));
  assert.deepEqual(shownSharpe.map((v) => (v === '' ? null : Number(v))), expected.results.map((r) => r.metrics.sharpe));
  const known = shownSharpe.filter((v) => v !== '').map(Number);
  assert.deepEqual(known, [...known].sort((a, b) => b - a), 'best first');
  const firstRow = await rows.first().locator('td').allInnerTexts();
  assert.deepEqual(firstRow.slice(0, 3), ['1', expected.results[0].params.fast, expected.results[0].params.slow]);
  // The overfitting guard: each combination's deflated Sharpe ratio, and the sweep's PBO line.
  const shownDsr = await table.locator('td[data-metric="deflated_sharpe"]').evaluateAll((cells) => cells.map((c) => c.dataset.value));
  assert.deepEqual(shownDsr.map((v) => (v === '' ? null : Number(v))), expected.results.map((r) => r.metrics.deflated_sharpe));
  const pbo = page.getByTestId('sweep-pbo');
  assert.ok(expected.overfitting, 'six combinations over two months have a PBO');
  assert.match(await pbo.innerText(), /^PBO \d\.\d\d \(12,870 splits\): the chance the best in-sample combination is below the median out of sample\./);
  assert.equal(Number(await pbo.getAttribute('data-value')), expected.overfitting.pbo);

  const heatmap = page.getByTestId('heatmap');
  await heatmap.waitFor();
  const cells = heatmap.getByTestId('heat-cell');
  assert.equal(await cells.count(), 6);
  const values = (await cells.evaluateAll((all) => all.map((c) => c.dataset.value))).filter((v) => v !== '').map(Number).sort();
  assert.deepEqual(values, expected.results.map((r) => r.metrics.sharpe).filter((v) => v !== null).sort());
  assert.match(await cells.first().innerText(), /#\d/); // the rank is printed, not only coloured

  await screenshot(page, 'backtest-sweep');
  assertNoErrors(page);
});
