// The Arena page: the demo season's leaderboard (ranked by alpha on a click), its "who beats
// whom" heat map, chart and toggles against the API, the page at phone width, and a season
// started while the page is open updating live over the WebSocket.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiGet, assertNoErrors, drawnPixels, giveToken, launch, openPage, screenshot, stack } from '../lib.mjs';

const DEMO = stack.demo_season ?? 1;
const CHART = '[data-testid="account-value-chart"]';

// How the page writes numbers (lib/format.ts), to compare what it shows with the API.
const money = (value) =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value).replace('-', '−');
const pct = (fraction) => {
  const text = Math.abs(fraction * 100).toFixed(1);
  if (Number(text) === 0) return '0.0%';
  return `${fraction > 0 ? '+' : '−'}${text}%`;
};

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function rowNames(page) {
  return page.getByTestId('leaderboard-row').evaluateAll((rows) => rows.map((row) => row.dataset.entry));
}

test('the leaderboard lists every entry of the season with its numbers and intervals', async () => {
  const board = await apiGet(`/api/v1/seasons/${DEMO}/leaderboard`);
  const page = await openPage(browser, `/arena/${DEMO}`);
  const rows = page.getByTestId('leaderboard-row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), board.rows.length);
  assert.deepEqual(await rowNames(page), board.rows.map((row) => row.name));

  for (const expected of board.rows) {
    const row = page.locator(`[data-testid="leaderboard-row"][data-entry="${expected.name}"]`);
    const text = await row.innerText();
    assert.ok(text.includes(money(expected.account_value)), `${expected.name}: account value ${money(expected.account_value)} in ${text}`);
    assert.ok(text.includes(pct(expected.return_pct / 100)), `${expected.name}: return`);
    const interval = `${pct(expected.return_low_pct / 100)} … ${pct(expected.return_high_pct / 100)}`;
    assert.equal(await row.getByTestId('return-interval').innerText(), interval);
    assert.equal(await row.getByTestId('rangebar').count(), 1);
    assert.equal(await row.getByTestId('baseline-badge').count(), expected.baseline ? 1 : 0, `${expected.name}: baseline badge`);
    assert.equal(await row.getByTestId('few-trades').count(), expected.few_trades ? 1 : 0);
  }
  const baselines = board.rows.filter((row) => row.baseline);
  assert.equal(baselines.length, 2, 'the demo season has two baselines');
  assert.equal(await page.getByTestId('baseline-badge').count(), baselines.length);

  // sorting by a header: best return first, then the other way
  await page.getByRole('button', { name: /^Return/ }).click();
  const byReturn = [...board.rows].sort((a, b) => b.return_pct - a.return_pct).map((row) => row.name);
  assert.deepEqual(await rowNames(page), byReturn);
  await page.getByRole('button', { name: /^Return/ }).click();
  assert.deepEqual(await rowNames(page), [...byReturn].reverse());

  // the header: the season, its progress, a link to its own page
  const season = await apiGet(`/api/v1/seasons/${DEMO}`);
  assert.equal(await page.getByTestId('season-picker').inputValue(), String(DEMO));
  assert.equal(await page.getByTestId('tick-count').getAttribute('data-ticks'), String(season.ticks_done));
  assert.equal(await page.getByTestId('season-status').innerText(), season.status);
  assert.equal(await page.getByTestId('season-link').getAttribute('href'), `/seasons/${DEMO}`);
  assertNoErrors(page);
  await page.close();
});

test('the leaderboard ranks by alpha on a click and shows beta and exposure', async () => {
  const board = await apiGet(`/api/v1/seasons/${DEMO}/leaderboard`);
  const page = await openPage(browser, `/arena/${DEMO}`);
  await page.getByTestId('leaderboard-row').first().waitFor();
  const withAlpha = board.rows.filter((row) => row.alpha_btc_pct !== null);
  assert.ok(withAlpha.length >= 2, 'the demo season has alphas to rank');
  for (const expected of withAlpha) {
    const row = page.locator(`[data-testid="leaderboard-row"][data-entry="${expected.name}"]`);
    assert.ok((await row.getByTestId('alpha').innerText()).startsWith(pct(expected.alpha_btc_pct / 100)), `${expected.name}: alpha`);
    assert.equal(await row.getByTestId('alpha-interval').innerText(),
      `${pct(expected.alpha_btc_low_pct / 100)} … ${pct(expected.alpha_btc_high_pct / 100)}`);
  }
  const trader = board.rows.find((row) => row.net_exposure !== null && row.beta_btc !== null);
  const row = page.locator(`[data-testid="leaderboard-row"][data-entry="${trader.name}"]`);
  assert.equal(await row.getByTestId('beta').innerText(), trader.beta_btc.toFixed(2).replace('-', '−'));
  assert.match(await row.getByTestId('exposure-detail').innerText(), /^gross \d+% · \d+\.\d×$/);

  await page.getByRole('button', { name: /^Alpha\/yr/ }).click();
  const byAlpha = [...board.rows]
    .sort((a, b) => (a.alpha_btc_pct === null) - (b.alpha_btc_pct === null) || (b.alpha_btc_pct - a.alpha_btc_pct) || a.rank - b.rank)
    .map((item) => item.name);
  assert.deepEqual(await rowNames(page), byAlpha);
  // the heat map follows the leaderboard's order
  await page.getByTestId('pairwise-row').first().waitFor();
  assert.deepEqual(await page.getByTestId('pairwise-row').evaluateAll((rows) => rows.map((item) => item.dataset.entry)), byAlpha);
  assertNoErrors(page);
  await page.close();
});

test('the heat map shows who beats whom: a percentage per pair, as the API computed it', async () => {
  const comparison = await apiGet(`/api/v1/seasons/${DEMO}/compare`);
  const count = comparison.entries.length;
  assert.ok(count >= 3, 'the demo season has entries to compare');
  const page = await openPage(browser, `/arena/${DEMO}`);
  const map = page.getByTestId('pairwise-map');
  await map.waitFor();
  const cells = map.getByTestId('pairwise-cell');
  assert.equal(await cells.count(), count * (count - 1), 'one cell per ordered pair');
  assert.equal(await map.getByTestId('pairwise-diagonal').count(), count);
  const shown = await cells.evaluateAll((items) =>
    items.map((item) => ({ row: item.dataset.row, column: item.dataset.column, text: item.textContent, title: item.title })));
  for (const cell of shown) {
    assert.match(cell.text, /^(<1|>99|\d{1,2})%$/, `${cell.row} vs ${cell.column}: ${cell.text}`);
    const p = comparison.p_beats[comparison.entries.indexOf(cell.row)][comparison.entries.indexOf(cell.column)];
    const expected = p < 0.005 ? '<1%' : p > 0.995 ? '>99%' : `${Math.round(p * 100)}%`;
    assert.equal(cell.text, expected, `${cell.row} vs ${cell.column}`);
    assert.equal(cell.title, `${cell.row} beats ${cell.column} in ${expected} of resamples`);
  }
  assert.match(await page.getByTestId('pairwise-caption').innerText(), /chance that the row’s entry ends with a higher return/);
  await map.scrollIntoViewIfNeeded();
  await screenshot(page, 'arena-pairwise');
  assertNoErrors(page);
  await page.close();
});

test('the chart draws one line per entry and its toggles switch % / $ and linear / log', async () => {
  const board = await apiGet(`/api/v1/seasons/${DEMO}/leaderboard`);
  const page = await openPage(browser, `/arena/${DEMO}`);
  const chart = page.locator(CHART);
  await chart.waitFor();
  await page.getByTestId('leaderboard-row').first().waitFor();
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.seriesCount > 0, CHART);
  assert.equal(Number(await chart.getAttribute('data-series-count')), board.rows.length);
  await page.waitForTimeout(300); // a frame to draw
  const linear = await drawnPixels(page, CHART);
  assert.ok(linear > 5000, `the chart draws (${linear} pixels)`);

  // % view: the legend shows each entry's return at the end; $ view: its account value
  const legend = page.getByTestId('chart-legend');
  const top = board.rows[0];
  const legendRow = legend.locator(`[data-entry="${top.name}"]`);
  assert.equal(await chart.getAttribute('data-mode'), 'pct');
  assert.ok((await legendRow.innerText()).includes(pct(top.return_pct / 100)), 'return of the leader in the legend');
  await page.getByRole('group', { name: 'Values' }).getByRole('button', { name: '$' }).click();
  assert.equal(await chart.getAttribute('data-mode'), 'usd');
  assert.ok((await legendRow.innerText()).includes(`$${money(top.account_value)}`), 'account value of the leader in the legend');
  assert.equal(Number(await chart.getAttribute('data-series-count')), board.rows.length);

  await page.getByRole('group', { name: 'Scale' }).getByRole('button', { name: 'log' }).click();
  assert.equal(await chart.getAttribute('data-scale'), 'log');
  assert.equal(await page.getByRole('button', { name: 'log' }).getAttribute('aria-pressed'), 'true');
  await page.waitForTimeout(300);
  assert.ok((await drawnPixels(page, CHART)) > 5000, 'the log chart draws');

  // the crosshair legend follows the mouse: a time in the middle of the season
  const box = await chart.boundingBox();
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
  await page.waitForTimeout(200);
  const hovered = await legend.locator('li').first().innerText();
  const season = await apiGet(`/api/v1/seasons/${DEMO}`);
  const stamp = Date.parse(hovered.replace(' UTC', '').replace(' ', 'T') + 'Z');
  assert.ok(stamp > Date.parse(season.start) && stamp < Date.parse(season.end), `crosshair time ${hovered} inside the season`);
  await page.mouse.move(0, 0);

  await page.getByRole('group', { name: 'Values' }).getByRole('button', { name: '%' }).click();
  await page.getByRole('group', { name: 'Scale' }).getByRole('button', { name: 'linear' }).click();
  await page.waitForTimeout(300);
  await screenshot(page, 'arena');
  assertNoErrors(page);
  await page.close();
});

test('the live feed tabs show decisions, trades and positions from the API', async () => {
  const [decisions, fills, positions] = await Promise.all([
    apiGet(`/api/v1/seasons/${DEMO}/decisions?limit=1`),
    apiGet(`/api/v1/seasons/${DEMO}/fills?limit=1`),
    apiGet(`/api/v1/seasons/${DEMO}/positions?limit=1000`),
  ]);
  const page = await openPage(browser, `/arena/${DEMO}`);
  const feed = page.getByTestId('live-feed');
  const firstChat = feed.getByTestId('chat-item').first();
  await firstChat.waitFor();
  assert.ok((await firstChat.innerText()).includes(decisions.items[0].entry));
  await feed.getByRole('tab', { name: 'Trades' }).click();
  const firstTrade = feed.getByTestId('trade-item').first();
  await firstTrade.waitFor();
  assert.ok((await firstTrade.innerText()).includes(money(fills.items[0].price)));
  await feed.getByRole('tab', { name: 'Positions' }).click();
  await feed.getByTestId('position-item').first().waitFor();
  assert.equal(await feed.getByTestId('position-item').count(), positions.items.length);
  assertNoErrors(page);
  await page.close();
});

test('the page fits a phone: columns stacked, nothing wider than the screen', async () => {
  const page = await openPage(browser, `/arena/${DEMO}`, { width: 390, height: 844 });
  await page.getByTestId('leaderboard-row').first().waitFor();
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.seriesCount > 0, CHART);
  await page.waitForTimeout(300);
  assert.ok((await drawnPixels(page, CHART)) > 2000, 'the chart draws on a phone');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 391, `the page is ${width} px wide`);
  const chartBox = await page.locator(CHART).boundingBox();
  const feedBox = await page.getByTestId('live-feed').boundingBox();
  assert.ok(feedBox.y >= chartBox.y + chartBox.height, 'the feed is below the chart');
  // the heat map is wider than a phone: it scrolls sideways inside its panel
  const map = page.locator('.pairwise-wrap');
  await page.getByTestId('pairwise-map').waitFor();
  const sizes = await map.evaluate((element) => ({ scroll: element.scrollWidth, client: element.clientWidth }));
  assert.ok(sizes.scroll > sizes.client, `the heat map scrolls (${sizes.scroll} in ${sizes.client} px)`);
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 391, 'the heat map does not widen the page');
  await screenshot(page, 'arena-phone');
  assertNoErrors(page);
  await page.close();
});

test('the home page shows the newest running season, else the newest', async () => {
  const seasons = (await apiGet('/api/v1/seasons?limit=1000')).items;
  const newest = [...seasons].sort((a, b) => b.created.localeCompare(a.created) || b.id - a.id);
  const expected = newest.find((season) => season.status === 'running') ?? newest[0];
  const page = await openPage(browser, '/');
  await page.getByTestId('season-picker').waitFor();
  assert.equal(await page.getByTestId('season-picker').inputValue(), String(expected.id));
  // picking another season opens its address
  const other = seasons.find((season) => season.id !== expected.id);
  await page.getByTestId('season-picker').selectOption(String(other.id));
  await page.waitForURL(`**/arena/${other.id}`);
  await page.getByTestId('leaderboard-row').first().waitFor();
  assertNoErrors(page);
  await page.close();
});

test('an unknown season says so', async () => {
  const page = await openPage(browser, '/arena/987654');
  await page.getByTestId('error').waitFor();
  assert.match(await page.getByTestId('error').innerText(), /no season 987654/);
  assertNoErrors(page, [/status of 404/]); // the page asked for the named season's data at once
  await page.close();
});

test('a season created and started from the UI updates live on the Arena page, without polling or reloading', async () => {
  // Created from the seasons page's form, as a user would.
  const name = `arena-live-e2e-${Date.now()}`;
  const manage = await openPage(browser, '/seasons');
  await manage.getByTestId('new-season').click();
  const form = manage.getByTestId('season-create-form');
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByTestId('symbol-BTC/USDT:USDT').check();
  await form.getByLabel('Start (UTC)').fill('2024-01-01');
  await form.getByLabel('End (UTC, exclusive)').fill('2025-10-20');
  await form.getByTestId('agent-ema-trend').check();
  await form.getByTestId('agent-momentum').check();
  await manage.getByTestId('create-season').click();
  await giveToken(manage);
  await manage.getByTestId('season-created').waitFor();
  const created = (await apiGet('/api/v1/seasons?limit=1000')).items.find((season) => season.name === name);
  assert.ok(created, 'the season was created');

  const page = await openPage(browser, `/arena/${created.id}`);
  const requests = [];
  page.on('request', (request) => requests.push(new URL(request.url()).pathname));
  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });
  await page.getByTestId('leaderboard-row').first().waitFor();
  await page.locator('[data-testid="season-status"][data-connection="open"]').waitFor();
  requests.length = 0; // what the page asks from here on, while the season runs
  const ticks = page.getByTestId('tick-count');
  assert.equal(await ticks.getAttribute('data-ticks'), '0');
  assert.equal(await page.getByTestId('season-status').innerText(), 'draft');

  const startedAt = Date.now();
  await manage.getByTestId('start-now').click(); // started from the UI, in the other tab
  await manage.getByTestId('move-result').waitFor();
  const seen = [];
  const deadline = Date.now() + 120_000;
  let status = 'draft';
  while (Date.now() < deadline && status !== 'finished') {
    const value = Number(await ticks.getAttribute('data-ticks'));
    if (seen.at(-1) !== value) seen.push(value);
    status = await page.getByTestId('season-status').innerText();
    await page.waitForTimeout(150);
  }
  assert.equal(status, 'finished', `the season finished (ticks seen: ${seen.join(', ')})`);
  const final = await apiGet(`/api/v1/seasons/${created.id}`);
  await page.waitForFunction((done) => document.querySelector('[data-testid="tick-count"]')?.dataset.ticks === String(done), final.ticks_done);
  const increases = seen.filter((value, index) => index > 0 && value > seen[index - 1]).length;
  assert.ok(increases >= 3, `the tick count went up several times: ${seen.join(', ')}`);

  // the final leaderboard came over the socket: the same numbers as the API's
  const board = await apiGet(`/api/v1/seasons/${created.id}/leaderboard`);
  await page.waitForFunction(
    ([name, text]) => document.querySelector(`[data-testid="leaderboard-row"][data-entry="${name}"]`)?.textContent.includes(text),
    [board.rows[0].name, money(board.rows[0].account_value)],
  );
  assert.equal(Number(await page.locator(CHART).getAttribute('data-series-count')), board.rows.length);
  assert.ok((await drawnPixels(page, CHART)) > 5000, 'the live chart draws');

  const count = (part) => requests.filter((path) => path.endsWith(part)).length;
  assert.equal(count('/leaderboard'), 0, `no leaderboard request after loading: ${requests.join(' ')}`);
  assert.equal(count('/equity'), 0, 'no equity request after loading');
  // the heat map asked again as ticks arrived, at most every 10 s, and once at the end: it
  // compares every tick of the finished season
  await page.waitForFunction(
    (text) => document.querySelector('[data-testid="pairwise-caption"]')?.textContent.includes(text),
    `resamples of ${final.ticks_done.toLocaleString('en-US')} ticks`,
  );
  const seconds = Math.ceil((Date.now() - startedAt) / 1000);
  assert.ok(count('/compare') >= 1 && count('/compare') <= 2 + seconds / 10,
    `the comparison refetched ${count('/compare')} times in ${seconds} s: ${requests.join(' ')}`);
  const others = requests.filter((path) => !path.endsWith('/compare'));
  assert.ok(others.length <= 5, `a handful of other requests at most while live: ${others.join(' ')}`);
  assert.equal(navigations, 0, 'no reload');
  assertNoErrors(page);
  assertNoErrors(manage);
  await page.close();
  await manage.close();
});
