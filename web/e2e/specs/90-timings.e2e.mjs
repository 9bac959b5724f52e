// How fast the Arena page becomes usable on loopback: from navigation (in a new browser
// context, its cache empty) to the leaderboard's rows and a drawn chart, on the demo season
// (9 entries x 2,160 ticks). Printed, not asserted: timing is a figure for the README
// (target: within 1 s), not a test outcome.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiGet, drawnPixels, launch, openPage } from '../lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('the Arena page becomes usable (figure printed)', async () => {
  const board = await apiGet('/api/v1/seasons/1/leaderboard');
  const timings = [];
  for (let run = 0; run < 3; run += 1) {
    const page = await openPage(browser, 'about:blank'); // a fresh browser context, not timed
    const started = Date.now();
    await page.goto('/arena/1');
    await page.getByTestId('leaderboard').getByRole('row').nth(board.rows.length).waitFor();
    await page.waitForFunction(() => {
      const chart = document.querySelector('[data-testid="account-value-chart"]');
      return chart && Number(chart.getAttribute('data-series-count')) > 0;
    });
    while ((await drawnPixels(page, '[data-testid="account-value-chart"]')) < 500) await page.waitForTimeout(20);
    timings.push(Date.now() - started);
    await page.context().close();
  }
  timings.sort((a, b) => a - b);
  console.log(`arena page usable (leaderboard rows + chart drawn), 3 cold loads: ${timings.join(', ')} ms`);
  assert.equal(timings.length, 3);
});
