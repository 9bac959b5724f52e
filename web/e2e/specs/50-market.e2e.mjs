// The market page: candles with volume for a stored symbol and timeframe, switching either
// redraws the chart, the funding histogram draws, and the coin cards show the API's prices.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiGet, assertNoErrors, drawnPixels, launch, openPage, screenshot } from '../lib.mjs';

const CANDLES = '[data-testid="candle-chart"]';
const FUNDING = '[data-testid="funding-chart"]';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function eventually(read, accept, what, timeoutMs = 15_000) {
  const stop = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > stop) throw new Error(`timed out waiting for ${what} (last: ${value})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

/** A checksum of what a chart's canvases show, to tell one drawing from another. */
async function chartSignature(page, selector) {
  return page.evaluate((sel) => {
    let hash = 0;
    for (const canvas of document.querySelectorAll(`${sel} canvas`)) {
      const context = canvas.getContext('2d');
      if (!context || canvas.width === 0 || canvas.height === 0) continue;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < data.length; i += 4 * 5) hash = (hash * 31 + data[i] + data[i + 1] * 7 + data[i + 3] * 13) % 2_147_483_647;
    }
    return hash;
  }, selector);
}

async function barsShown(page) {
  const text = await page.getByTestId('candle-range').textContent();
  return Number(text.split(' bars')[0].replaceAll(',', ''));
}

test('candles draw, switching symbol or timeframe redraws them, funding draws', async () => {
  const page = await openPage(browser, '/market?symbol=BTC/USDT:USDT&timeframe=1h');
  await page.getByTestId('candle-chart').waitFor();
  assert.equal(await page.getByTestId('symbol-picker').inputValue(), 'BTC/USDT:USDT');
  assert.equal(await page.getByTestId('timeframe-picker').inputValue(), '1h');
  await eventually(() => drawnPixels(page, CANDLES), (n) => n > 2000, 'the candles to draw');
  const btc = await apiGet('/api/v1/market/candles?symbol=BTC/USDT:USDT&timeframe=1h&limit=1000');
  assert.equal(await barsShown(page), btc.candles.length);
  const first = await chartSignature(page, CANDLES);

  await page.getByTestId('timeframe-picker').selectOption('4h');
  await page.waitForURL(/timeframe=4h/);
  const fourHours = await apiGet('/api/v1/market/candles?symbol=BTC/USDT:USDT&timeframe=4h&limit=1000');
  await eventually(() => barsShown(page), (n) => n === fourHours.candles.length, 'the 4h bars');
  await eventually(() => drawnPixels(page, CANDLES), (n) => n > 2000, 'the 4h candles to draw');
  const second = await eventually(() => chartSignature(page, CANDLES), (s) => s !== first, 'the chart to change');

  await page.getByTestId('symbol-picker').selectOption('ETH/USDT:USDT');
  await page.waitForURL(/symbol=ETH%2FUSDT%3AUSDT|symbol=ETH\/USDT:USDT/);
  await page.getByRole('heading', { name: 'ETH/USDT:USDT · 4h' }).waitFor();
  await eventually(() => chartSignature(page, CANDLES), (s) => s !== second && s !== first, 'the ETH chart');
  assert.ok((await drawnPixels(page, CANDLES)) > 2000);

  await page.getByTestId('funding-chart').waitFor();
  await eventually(() => drawnPixels(page, FUNDING), (n) => n > 500, 'the funding histogram to draw');
  const summary = await page.getByTestId('funding-summary').textContent();
  assert.match(summary, /latest [+−]?\d+\.\d{4}%/);
  assertNoErrors(page);
});

test('the six coins show the API latest prices', async () => {
  const page = await openPage(browser, '/market');
  const instruments = await apiGet('/api/v1/market/instruments?limit=1000');
  const perpetuals = instruments.items.filter((item) => item.market_type === 'swap').map((item) => item.symbol);
  assert.equal(perpetuals.length, 6);
  const prices = await apiGet(`/api/v1/market/prices?symbols=${encodeURIComponent(perpetuals.join(','))}`);
  assert.equal(prices.prices.length, 6);
  const cards = page.getByTestId('price-card');
  await cards.first().waitFor();
  assert.equal(await cards.count(), 6);
  for (const price of prices.prices) {
    const card = page.locator(`[data-testid="price-card"][data-symbol="${price.symbol}"]`);
    const shown = await card.getByTestId('price-last').getAttribute('data-value');
    assert.equal(Number(shown), price.last, price.symbol);
    const text = (await card.getByTestId('price-last').textContent()).replaceAll(',', '');
    assert.ok(Math.abs(Number(text) - price.last) <= price.last * 1e-6, `${price.symbol}: ${text} vs ${price.last}`);
  }
  await eventually(() => drawnPixels(page, CANDLES), (n) => n > 2000, 'the candles to draw');
  await eventually(() => drawnPixels(page, FUNDING), (n) => n > 500, 'the funding to draw');
  await screenshot(page, 'market');
  assertNoErrors(page);
});
