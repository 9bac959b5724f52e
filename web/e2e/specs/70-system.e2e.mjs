// The system page: version, runner and workers from the API; the database browser lists the tables
// with the API's counts, pages through the candles, narrows them with a filter, and never
// shows a column that may hold a secret.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiGet, assertNoErrors, launch, openPage, screenshot, stack } from '../lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const number = (text) => Number(text.replace(/[^0-9]/g, ''));
// the columns that may hold keys, tokens or provider errors (storage/database_browser.py)
const SECRET_COLUMNS = {
  agents: ['config'],
  season_entries: ['config'],
  llm_calls: ['error', 'raw_response', 'input_tokens', 'output_tokens'],
  llm_cache: ['response'],
  seasons: ['message'],
  exchange_accounts: ['ciphertext'],
  ingestion_runs: ['error'],
};
const LLM_KEY = 'e2e-llm-key'; // the fake model's key in the stack's environment

test('version, database and runner are the API system info', async () => {
  const page = await openPage(browser, '/system');
  const info = await apiGet('/api/v1/system');
  await page.getByTestId('system-version').waitFor();
  assert.equal((await page.getByTestId('system-version').textContent()).trim(), info.version);
  const database = await page.getByTestId('system-database').textContent();
  assert.match(database, new RegExp(info.database_backend));
  assert.match(database, new RegExp(info.schema_revision));
  const runner = await page.getByTestId('system-runner').textContent();
  assert.match(runner, info.runner.embedded ? /^embedded/ : /not embedded/);
  // The stack runs without a broker: the workers panel says so and how to scale out.
  assert.equal(info.workers, null);
  assert.match(await page.getByTestId('workers-none').textContent(), /ARENA_BROKER_URL/);
  const errors = await apiGet('/api/v1/system/errors');
  if (errors.items.length === 0) await page.getByTestId('errors-panel').getByTestId('empty').waitFor();
  else assert.equal(await page.getByTestId('error-row').count(), errors.items.length);
  assert.equal(await page.getByRole('link', { name: 'Swagger UI' }).getAttribute('href'), '/api/v1/docs');
  assert.equal(await page.getByRole('link', { name: 'ReDoc' }).getAttribute('href'), '/api/v1/redoc');
  await screenshot(page, 'system');
  assertNoErrors(page);
});

test('the database browser lists, pages and filters, and never shows a secret', async () => {
  const page = await openPage(browser, '/system');
  const listing = await apiGet('/api/v1/system/database/tables');
  const items = page.getByTestId('db-table');
  await items.first().waitFor();
  assert.equal(await items.count(), listing.tables.length);
  for (const [index, table] of listing.tables.entries()) {
    const item = items.nth(index);
    assert.equal(await item.getAttribute('data-table'), table.name);
    const rows = item.getByTestId('db-table-rows');
    assert.equal(Number(await rows.getAttribute('data-rows')), table.rows, table.name);
    assert.equal(number(await rows.textContent()), table.rows, table.name);
  }

  // page through the candles
  const candles = listing.tables.find((table) => table.name === 'candles');
  await page.locator('[data-testid="db-table"][data-table="candles"]').click();
  await page.waitForURL(/table=candles/);
  await page.getByTestId('db-row').first().waitFor();
  assert.equal(await page.getByTestId('db-row').count(), 50);
  assert.equal(number(await page.getByTestId('db-pager-total').textContent()), candles.rows);
  const firstPage = await page.getByTestId('db-row').first().textContent();
  await page.getByTestId('db-pager').getByRole('button', { name: 'Next →' }).click();
  await page.waitForURL(/offset=50/);
  await page.waitForFunction((before) => document.querySelector('[data-testid="db-row"]')?.textContent !== before, firstPage);
  const api50 = await apiGet('/api/v1/system/database/tables/candles/rows?limit=50&offset=50');
  const firstCell = await page.getByTestId('db-row').first().locator('td').first().textContent();
  assert.equal(number(firstCell), api50.items[0].instrument_id);
  assert.match(await page.getByTestId('db-pager-summary').textContent(), /^51–100 of/);

  // narrow them to one instrument and one timeframe
  const eth = (await apiGet('/api/v1/system/database/tables/instruments/rows?filter=symbol:eq:ETH/USDT:USDT')).items[0];
  await page.getByTestId('db-filter-column').selectOption('instrument_id');
  await page.getByTestId('db-filter-op').selectOption('eq');
  await page.getByTestId('db-filter-value').fill(String(eth.id));
  await page.getByRole('button', { name: 'Add filter' }).click();
  await page.waitForURL(/filter=instrument_id/);
  const filtered = await apiGet(`/api/v1/system/database/tables/candles/rows?limit=50&filter=instrument_id:eq:${eth.id}`);
  assert.ok(filtered.total > 0 && filtered.total < candles.rows);
  await page.waitForFunction(
    (expected) => document.querySelector('[data-testid="db-pager-total"]')?.textContent?.replace(/[^0-9]/g, '') === String(expected),
    filtered.total,
  );
  const cells = await page.getByTestId('db-row').evaluateAll((rows) => rows.map((row) => row.querySelector('td')?.textContent));
  assert.ok(cells.length > 0 && cells.every((cell) => Number(cell) === eth.id));
  await page.getByTestId('db-filter-column').selectOption('timeframe');
  await page.getByTestId('db-filter-op').selectOption('contains');
  await page.getByTestId('db-filter-value').fill('1H');
  await page.getByRole('button', { name: 'Add filter' }).click();
  await page.waitForURL(/filter=timeframe%3Acontains%3A1H|filter=timeframe:contains:1H/);
  await page.getByTestId('db-filters').locator('li').nth(1).waitFor();
  assert.equal(await page.getByTestId('db-filters').locator('li').count(), 2);
  await screenshot(page, 'system-db-browser');

  // no secret column in the tables that hold some, nor their values on the page
  for (const [name, secrets] of Object.entries(SECRET_COLUMNS)) {
    await page.locator(`[data-testid="db-table"][data-table="${name}"]`).click();
    await page.waitForURL(new RegExp(`table=${name}(&|$)`));
    await page.getByTestId('db-table-view').getByRole('heading', { name }).waitFor();
    await page.locator(`[data-testid="db-rows"][data-table="${name}"], [data-testid="db-table-view"] [data-testid="empty"]`).first().waitFor();
    const headers = (await page.getByTestId('db-column').allTextContents()).map((text) => text.replace(/pk$/, '').trim());
    const served = listing.tables.find((table) => table.name === name).columns.map((column) => column.name);
    assert.deepEqual(headers.length ? headers : served, served, name);
    for (const secret of secrets) assert.ok(!headers.includes(secret), `${name} shows ${secret}`);
    assert.ok(await page.getByTestId('db-hidden').isVisible(), `${name} says columns are hidden`);
    const text = await page.locator('main').textContent();
    assert.ok(!text.includes(LLM_KEY) && !text.includes('E2E_LLM_KEY') && !text.includes(stack.token), name);
    assert.ok(!/e2e-[a-z0-9-]+-(key|secret)-0000|E2e-pass/.test(text), `${name} shows an exchange key`);
  }
  assertNoErrors(page);
});
