// What every browser test shares: the stack's address, a Chromium page that fails the test on
// any console error, screenshots, and direct API calls for checking what the UI shows.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const stack = JSON.parse(process.env.ARENA_E2E_STACK ?? '{}');
export const baseUrl = process.env.ARENA_E2E_URL;
export const token = process.env.ARENA_E2E_TOKEN;
const screenshots = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

if (!baseUrl) throw new Error('run the browser tests with `npm run e2e` (it starts the stack)');

export async function launch() {
  return chromium.launch({
    executablePath: process.env.ARENA_E2E_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * A page whose console errors and uncaught exceptions are collected: `assertNoErrors(page)`
 * fails the test if there were any. `width` defaults to a desktop 1440 px.
 */
export async function openPage(browser, path, { width = 1440, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, baseURL: baseUrl });
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') page.errors.push(message.text());
  });
  page.on('pageerror', (error) => page.errors.push(String(error)));
  await page.goto(path);
  return page;
}

export function assertNoErrors(page, allowed = []) {
  const errors = page.errors.filter((text) => !allowed.some((pattern) => pattern.test(text)));
  if (errors.length) throw new Error(`console errors on ${page.url()}:\n${errors.join('\n')}`);
}

export async function screenshot(page, name) {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/** GET an API path as JSON (reads are open on loopback). */
export async function apiGet(path) {
  const answer = await fetch(new URL(path, baseUrl));
  if (!answer.ok) throw new Error(`GET ${path}: ${answer.status} ${await answer.text()}`);
  return answer.json();
}

/** POST with the token. */
export async function apiPost(path, body) {
  const answer = await fetch(new URL(path, baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body ?? {}),
  });
  if (!answer.ok) throw new Error(`POST ${path}: ${answer.status} ${await answer.text()}`);
  return answer.json();
}

/**
 * How many non-blank pixels a chart's canvases hold: a chart that draws nothing has only its
 * background, so a test asserts this is large. Reads every <canvas> under `selector`.
 */
export async function drawnPixels(page, selector) {
  return page.evaluate((sel) => {
    let count = 0;
    for (const canvas of document.querySelectorAll(`${sel} canvas`)) {
      const context = canvas.getContext('2d');
      if (!context || canvas.width === 0 || canvas.height === 0) continue;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 3; i < data.length; i += 4 * 7) if (data[i] > 0) count += 1;
    }
    return count;
  }, selector);
}

/** Type the token into the token dialog if it is asked for. */
export async function giveToken(page, value = token) {
  const dialog = page.getByTestId('token-dialog');
  await dialog.waitFor();
  await dialog.getByLabel('Token', { exact: true }).fill(value);
  await dialog.getByRole('button', { name: 'Use token' }).click();
}
