// The season page: the model chat of the LLM season with each call's prompt and raw answer,
// filters by entry and coin, positions / trades / orders with the API's counts, an order's
// lifecycle, and a coin's candles with the entry's fills as markers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiGet, assertNoErrors, drawnPixels, launch, openPage, screenshot, stack } from '../lib.mjs';

const LLM = stack.llm_season ?? 2;
const DEMO = stack.demo_season ?? 1;
const CHAT_PAGE = 20; // the page's chat page size

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const total = async (path) => (await apiGet(path)).total;
const text = async (locator) => ((await locator.textContent()) ?? '').trim();
const number = async (locator) => Number((await text(locator)).replace(/,/g, ''));

test('the model chat shows fake-gpt’s decisions with the prompt and raw response of each call', async () => {
  const page = await openPage(browser, `/seasons/${LLM}`);
  const season = await apiGet(`/api/v1/seasons/${LLM}`);
  await page.getByTestId('season-name').waitFor();
  assert.equal(await text(page.getByTestId('season-name')), season.name);
  assert.equal(await text(page.getByTestId('season-status')), season.status);
  assert.equal(await page.getByTestId('arena-link').getAttribute('href'), `/arena/${LLM}`);

  const api = await apiGet(`/api/v1/seasons/${LLM}/decisions?limit=${CHAT_PAGE}&offset=0`);
  const cards = page.getByTestId('decision');
  await cards.first().waitFor();
  assert.equal(await cards.count(), Math.min(CHAT_PAGE, api.total));
  assert.equal(await number(page.getByTestId('pager-total').first()), api.total);
  assert.equal(await number(page.getByTestId('tab-count-chat')), api.total);

  // The first model call on the page: expand it and read what the API stored.
  const index = api.items.findIndex((decision) => decision.entry === 'fake-gpt' && decision.llm_calls.length > 0);
  assert.ok(index >= 0, 'fake-gpt made model calls');
  const decision = api.items[index];
  const [call] = decision.llm_calls;
  const card = cards.nth(index);
  assert.equal(await card.getAttribute('data-key'), `${decision.entry}@${decision.tick}`);
  assert.equal(await text(card.getByTestId('decision-outcome')), decision.outcome);
  assert.equal(await text(card.getByTestId('decision-reasoning')), decision.reasoning);
  const toggle = card.getByRole('button', { name: /Prompt and response/ });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const system = call.messages.find((message) => message.role === 'system');
  const user = call.messages.find((message) => message.role === 'user');
  assert.equal(await card.getByTestId('prompt-system').locator('pre').textContent(), system.content);
  assert.equal(await card.getByTestId('prompt-user').locator('pre').textContent(), user.content);
  assert.equal(await card.getByTestId('raw-response').locator('pre').textContent(), call.raw_response);
  assert.ok(await card.getByTestId('raw-response').isVisible());
  await screenshot(page, 'season-chat');

  // Filter by entry: the picker's link goes to the entry's path and only its decisions remain.
  await page.getByTestId('entry-picker').getByRole('link', { name: /^ema-trend/ }).click();
  await page.waitForURL(`**/seasons/${LLM}/entries/ema-trend`);
  const emaTotal = await total(`/api/v1/seasons/${LLM}/decisions?entry=ema-trend&limit=1`);
  await page.waitForFunction(
    (expected) => document.querySelector('[data-testid="pager-total"]')?.textContent === String(expected),
    emaTotal,
  );
  const entries = await page.getByTestId('decision-entry').allTextContents();
  assert.equal(entries.length, Math.min(CHAT_PAGE, emaTotal));
  assert.ok(entries.every((name) => name === 'ema-trend'));
  assertNoErrors(page);
});

test('positions, trades and orders show the counts the API gives; an order expands to its lifecycle', async () => {
  const page = await openPage(browser, `/seasons/${LLM}/entries/fake-gpt`);
  await page.getByTestId('tab-count-orders').waitFor();
  for (const [tab, path] of [['positions', 'positions'], ['trades', 'trades'], ['orders', 'orders'], ['funding', 'funding'], ['risk', 'risk-events']]) {
    const expected = await total(`/api/v1/seasons/${LLM}/${path}?entry=fake-gpt&limit=1`);
    assert.equal(await number(page.getByTestId(`tab-count-${tab}`)), expected, `${tab} tab count`);
    await page.getByTestId(`tab-${tab}`).click();
    assert.equal(new URL(page.url()).searchParams.get('tab'), tab);
    if (expected === 0) {
      await page.getByTestId('empty').waitFor();
      continue;
    }
    // The tab's own list (its testId is the API path's name), not the previous tab's still shown.
    const shown = page.getByTestId(path).getByTestId('pager-total').first();
    await shown.waitFor();
    assert.equal(await number(shown), expected, `${tab} list total`);
  }

  // Orders (the tab is open now: check its rows against the API, then expand the newest order).
  await page.getByTestId('tab-orders').click();
  const orders = await apiGet(`/api/v1/seasons/${LLM}/orders?entry=fake-gpt&limit=50`);
  await page.getByTestId('order-row').first().waitFor();
  assert.equal(await page.getByTestId('order-row').count(), orders.items.length);
  const first = orders.items[0];
  const toggle = page.getByRole('button', { name: `Lifecycle of order ${first.client_order_id}` });
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const events = page.getByTestId('order-events').first().getByTestId('order-event');
  assert.equal(await events.count(), first.events.length);
  assert.match(await text(events.last()), new RegExp(first.events.at(-1).status_to));
  await screenshot(page, 'season-orders');

  // A reload keeps the view: the tab is in the URL.
  await page.reload();
  await page.getByTestId('orders').waitFor();
  assert.equal(await page.getByTestId('tab-orders').getAttribute('aria-selected'), 'true');
  assertNoErrors(page);
});

test('the chart draws the coin’s candles with the entry’s fills as markers', async () => {
  const page = await openPage(browser, `/seasons/${LLM}/entries/fake-gpt?tab=chart&coin=BTC`);
  const fills = await total(`/api/v1/seasons/${LLM}/fills?entry=fake-gpt&symbol=${encodeURIComponent('BTC/USDT:USDT')}&limit=1`);
  assert.ok(fills > 0, 'fake-gpt traded BTC');
  await page.getByTestId('marked-fill-count').waitFor();
  assert.equal(await number(page.getByTestId('marked-fill-count')), fills);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="season-candles"] canvas').length > 0);
  await page.waitForTimeout(300); // the first frame is painted on the next animation frame
  const pixels = await drawnPixels(page, '[data-testid="season-candles"]');
  assert.ok(pixels > 2000, `the candle chart drew ${pixels} pixels`);
  assert.equal(await page.getByTestId('coin-select').inputValue(), 'BTC');
  await screenshot(page, 'season-chart');
  assertNoErrors(page);
});

test('the demo season opens on one entry: its chat, orders and chart are that entry’s', async () => {
  const page = await openPage(browser, `/seasons/${DEMO}/entries/ema-trend`);
  await page.getByTestId('decision').first().waitFor();
  const current = page.getByTestId('entry-picker').locator('[aria-current="page"]');
  assert.match(await text(current), /^ema-trend/);
  const decisions = await total(`/api/v1/seasons/${DEMO}/decisions?entry=ema-trend&limit=1`);
  assert.equal(await number(page.getByTestId('pager-total').first()), decisions);
  const names = await page.getByTestId('decision-entry').allTextContents();
  assert.ok(names.length > 0 && names.every((name) => name === 'ema-trend'));

  // Filter by coin as well: the API's symbol filter, and the URL keeps it.
  const season = await apiGet(`/api/v1/seasons/${DEMO}`);
  const symbol = season.config.symbols[1] ?? season.config.symbols[0];
  const coin = symbol.split('/')[0];
  await page.getByTestId('coin-select').selectOption(coin);
  await page.waitForURL(`**coin=${coin}`);
  const byCoin = await total(`/api/v1/seasons/${DEMO}/decisions?entry=ema-trend&symbol=${encodeURIComponent(symbol)}&limit=1`);
  await page.waitForFunction(
    (expected) => document.querySelector('[data-testid="tab-count-chat"]')?.textContent === expected,
    byCoin.toLocaleString('en-US'),
  );
  const orders = await total(`/api/v1/seasons/${DEMO}/orders?entry=ema-trend&symbol=${encodeURIComponent(symbol)}&limit=1`);
  assert.equal(await number(page.getByTestId('tab-count-orders')), orders);
  await screenshot(page, 'season-entry');

  await page.getByTestId('tab-chart').click();
  await page.getByTestId('marked-fill-count').waitFor();
  const fills = await total(`/api/v1/seasons/${DEMO}/fills?entry=ema-trend&symbol=${encodeURIComponent(symbol)}&limit=1`);
  assert.equal(await number(page.getByTestId('marked-fill-count')), fills);
  await page.waitForTimeout(300);
  assert.ok((await drawnPixels(page, '[data-testid="season-candles"]')) > 2000);
  assertNoErrors(page);
});

test('open positions carry their exit plans and signed, coloured unrealized PnL', async () => {
  const page = await openPage(browser, `/seasons/${DEMO}?tab=positions`);
  const positions = await apiGet(`/api/v1/seasons/${DEMO}/positions?limit=50`);
  assert.ok(positions.total > 0, 'the demo season ends with open positions');
  await page.getByTestId('position-row').first().waitFor();
  const rows = page.getByTestId('position-row');
  assert.equal(await rows.count(), positions.items.length);
  for (const [index, position] of positions.items.entries()) {
    const cell = rows.nth(index).getByTestId('unrealized-pnl').locator('span');
    const shown = await text(cell);
    const className = (await cell.getAttribute('class')) ?? '';
    if (position.unrealized_pnl > 0) assert.ok(shown.startsWith('+') && className.includes('gain'), shown);
    else if (position.unrealized_pnl < 0) assert.ok(shown.startsWith('−') && className.includes('loss'), shown);
    const parsed = Number(shown.replace(/[+,]/g, '').replace('−', '-'));
    assert.ok(Math.abs(parsed - position.unrealized_pnl) < 0.006, `${shown} vs ${position.unrealized_pnl}`);
  }
  await screenshot(page, 'season-positions');

  await page.getByTestId('tab-trades').click();
  await page.getByTestId('trade-row').first().waitFor();
  const trades = await apiGet(`/api/v1/seasons/${DEMO}/trades?limit=50`);
  assert.equal(await number(page.getByTestId('pager-total').first()), trades.total);
  assert.equal(await page.getByTestId('trade-row').count(), trades.items.length);
  assertNoErrors(page);
});

test('an unknown entry says so and offers the season’s entries', async () => {
  const page = await openPage(browser, `/seasons/${LLM}/entries/nobody`);
  await page.getByTestId('error').waitFor();
  assert.match(await text(page.getByTestId('error')), /no entry "nobody"/);
  assert.ok(await page.getByTestId('entry-picker').getByRole('link', { name: /^fake-gpt/ }).isVisible());
  assertNoErrors(page);
});
