// The shell: every page's route loads without a console error, deep links survive a reload,
// the API's docs render offline.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertNoErrors, launch, openPage, screenshot } from '../lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a deep link opens its page on reload', async () => {
  const page = await openPage(browser, '/system');
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
  await page.reload();
  assert.match(await page.title(), /Alpha Arena/);
  assert.equal(new URL(page.url()).pathname, '/system');
  assertNoErrors(page);
});

test('an unknown page says so', async () => {
  const page = await openPage(browser, '/no-such-page');
  await page.getByRole('heading', { name: 'Not found' }).waitFor();
  assertNoErrors(page);
});

test('Swagger UI renders the API from bundled files', async () => {
  const page = await openPage(browser, '/api/v1/docs');
  await page.locator('.swagger-ui .information-container').waitFor();
  assert.ok(await page.getByText('Alpha Arena API').first().isVisible());
  await screenshot(page, 'api-docs-swagger');
  assertNoErrors(page);
});

test('ReDoc renders the API from bundled files', async () => {
  const page = await openPage(browser, '/api/v1/redoc');
  await page.locator('redoc h1, [role="main"] h1').first().waitFor();
  assert.ok(await page.getByText('Alpha Arena API').first().isVisible());
  await screenshot(page, 'api-docs-redoc');
  assertNoErrors(page);
});
