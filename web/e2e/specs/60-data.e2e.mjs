// The data monitor: coverage equal to the API's, a Scan with a wrong token refused with the
// API's message and nothing recorded, a Scan with the token recording integrity events that
// the page then lists.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiGet, assertNoErrors, giveToken, launch, openPage, screenshot } from '../lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const number = (text) => Number(text.replaceAll(',', '').trim());
// the browser logs every failed request; the refused scan is one on purpose
const REFUSED = [/status of 401/];

async function eventCount(status = 'all') {
  return (await apiGet(`/api/v1/data/integrity-events?status=${status}&limit=1`)).total;
}

test('coverage rows are the API coverage', async () => {
  const page = await openPage(browser, '/data');
  const coverage = await apiGet('/api/v1/data/coverage?limit=1000');
  const rows = page.getByTestId('coverage-row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), coverage.total);
  assert.ok(coverage.total >= 6);
  for (const [index, item] of coverage.items.entries()) {
    const row = rows.nth(index);
    assert.equal(await row.getAttribute('data-series'), `${item.symbol} ${item.timeframe}`);
    assert.equal(number(await row.getByTestId('coverage-rows').textContent()), item.rows);
    assert.equal(number(await row.getByTestId('coverage-gaps').textContent()), item.gaps);
    assert.equal(number(await row.getByTestId('coverage-missing').textContent()), item.missing_rows);
  }
  const runs = await apiGet('/api/v1/data/ingestion-runs');
  assert.equal(await page.getByTestId('run-row').count(), Math.min(runs.total, 10));
  assertNoErrors(page);
});

test('a scan with a wrong token shows the refusal and records nothing', async () => {
  const before = await eventCount();
  const page = await openPage(browser, '/data');
  await page.getByTestId('coverage-row').first().waitFor();
  await page.getByTestId('scan-button').click();
  await giveToken(page, 'not-the-token');
  const error = page.getByTestId('action-error');
  await error.waitFor();
  const text = await error.textContent();
  assert.match(text, /^Refused: .*the token was forgotten/);
  assert.equal(await page.getByTestId('scan-result').count(), 0);
  assert.equal(await eventCount(), before);
  assertNoErrors(page, REFUSED);
});

test('a scan with the token records integrity events and the page shows them', async () => {
  const page = await openPage(browser, '/data');
  await page.getByTestId('coverage-row').first().waitFor();
  await page.getByTestId('scan-button').click();
  await giveToken(page);
  const result = page.getByTestId('scan-result');
  await result.waitFor({ timeout: 60_000 });
  const issues = number((await result.getByTestId('scan-issues').textContent()).split(' ')[0]);
  const coverage = await apiGet('/api/v1/data/coverage?limit=1000');
  const gaps = coverage.items.reduce((sum, item) => sum + item.gaps, 0);
  assert.ok(gaps > 0, 'the sample has gaps in its spot bars');
  assert.ok(issues >= gaps, `${issues} issues found, ${gaps} gaps in the coverage`);
  assert.equal(await result.getByTestId('scan-row').count(), coverage.items.filter((item) => item.gaps > 0).length);

  const unresolved = await eventCount('unresolved');
  assert.ok(unresolved >= issues, `${unresolved} unresolved events after finding ${issues} issues`);
  const total = page.getByTestId('events-pager-total');
  await page.waitForFunction(
    (expected) => document.querySelector('[data-testid="events-pager-total"]')?.textContent?.replaceAll(',', '') === String(expected),
    unresolved,
  );
  assert.equal(number(await total.textContent()), unresolved);
  const first = (await apiGet('/api/v1/data/integrity-events?limit=25')).items[0];
  const firstRow = page.getByTestId('event-row').first();
  assert.match(await firstRow.textContent(), new RegExp(first.detail));
  assert.equal(await page.getByTestId('event-row').count(), Math.min(25, unresolved));
  await screenshot(page, 'data');
  assertNoErrors(page);
});
