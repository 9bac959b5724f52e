// The management pages: seasons (create, start, pause, resume, end), agents (register, edit,
// disable, model calls) and prompt templates (versions, a new version, the diff). Writes are
// checked against the API, and a write without the right token must change nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiGet, apiPost, assertNoErrors, giveToken, launch, openPage, screenshot, stack } from '../lib.mjs';

// A refused write (401, or 400 for a season the API judged wrong) is logged by the browser
// as a failed resource load.
const REFUSED = [/status of 401/];
const INVALID = [/status of 400/];
const BTC = 'BTC/USDT:USDT';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function seasons() {
  return (await apiGet('/api/v1/seasons?limit=1000')).items;
}

async function seasonNamed(name) {
  return (await seasons()).find((season) => season.name === name);
}

async function writeError(page) {
  const alert = page.getByTestId('write-error');
  await alert.waitFor();
  return alert.innerText();
}

async function cancelTokenDialog(page) {
  const dialog = page.getByTestId('token-dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
}

test('a write without the right token changes nothing and says why', async () => {
  const before = await seasons();
  const page = await openPage(browser, '/seasons');
  await page.getByTestId('seasons-table').waitFor();
  await page.getByTestId('new-season').click();
  const form = page.getByTestId('season-create-form');
  await form.getByLabel('Name', { exact: true }).fill('e2e-refused');
  await form.getByTestId(`symbol-${BTC}`).check();
  await form.getByLabel('Start (UTC)').fill('2025-12-05');
  await form.getByLabel('End (UTC, exclusive)').fill('2025-12-06 00:00');

  // Cancelled: nothing is sent.
  await page.getByTestId('create-season').click();
  await cancelTokenDialog(page);
  assert.match(await writeError(page), /Nothing was changed: this change needs the API token/);

  // A wrong token: the API's message, and the token is forgotten.
  await page.getByTestId('create-season').click();
  await giveToken(page, 'wrong-token');
  await page.getByTestId('write-error').filter({ hasText: 'Refused' }).waitFor();
  assert.match(await writeError(page), /Refused: the bearer token is wrong\. Nothing was changed/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('arena.token')), null);
  const afterRefusal = await seasons();
  assert.deepEqual(afterRefusal.map((s) => [s.id, s.status]), before.map((s) => [s.id, s.status]));
  assert.equal(await seasonNamed('e2e-refused'), undefined);
  assert.equal(await page.getByTestId(`season-row-${stack.demo_season}`).count(), 1, 'the list is still shown');

  // The next try asks again.
  await page.getByTestId('create-season').click();
  await cancelTokenDialog(page);
  assertNoErrors(page, REFUSED);

  // The same on the agents page: disabling with a wrong token leaves the agent enabled.
  const agents = await openPage(browser, '/agents');
  const row = agents.getByTestId('agent-row-ema-trend');
  await row.getByTestId('agent-disable').click();
  await giveToken(agents, 'wrong-token');
  assert.match(await writeError(agents), /Refused: the bearer token is wrong/);
  assert.equal((await apiGet('/api/v1/agents/ema-trend')).enabled, true);
  assert.equal(await row.getByTestId('agent-enabled').innerText(), 'enabled');
  assertNoErrors(agents, REFUSED);
});

test('a season created from the form starts from the list and runs to its end', async () => {
  const name = `e2e-ui-${Date.now()}`;
  const page = await openPage(browser, '/seasons');
  await page.getByTestId('new-season').click();
  const form = page.getByTestId('season-create-form');
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByTestId(`symbol-${BTC}`).check();
  // The window comes from the stored data: its last two days.
  await form.getByTestId('coverage-hint').getByRole('button', { name: '2 days' }).click();
  await form.getByTestId('agent-ema-trend').check();
  await form.getByTestId('agent-momentum').check();
  await form.getByLabel('Max leverage').fill('5');
  await form.getByTestId('season-risk-preset').selectOption('conservative');
  await form.getByTestId('season-margin-mode').selectOption('cross');
  await form.getByTestId('season-position-mode').selectOption('long_short');
  await form.getByTestId('season-anonymize').check();
  const window = [await form.getByLabel('Start (UTC)').inputValue(), await form.getByLabel('End (UTC, exclusive)').inputValue()];
  await screenshot(page, 'season-create');

  // What is obviously wrong is caught in the form, before anything is sent.
  await form.getByLabel('Capital per entry (USD)').fill('0');
  await page.getByTestId('create-season').click();
  await page.getByTestId('form-errors').waitFor();
  assert.match(await form.getByTestId('field-error').first().innerText(), /Capital must be a number above 0/);
  assert.equal(await page.getByTestId('token-dialog').count(), 0);
  await form.getByLabel('Capital per entry (USD)').fill('10000');

  // The rest is the API's to judge, and its message is shown: no data in 2019.
  await form.getByLabel('Start (UTC)').fill('2019-01-01');
  await form.getByLabel('End (UTC, exclusive)').fill('2019-01-03');
  await page.getByTestId('create-season').click();
  await giveToken(page);
  assert.match(await writeError(page), /BTC\/USDT:USDT/);
  assert.equal(await seasonNamed(name), undefined);

  await form.getByLabel('Start (UTC)').fill(window[0]);
  await form.getByLabel('End (UTC, exclusive)').fill(window[1]);
  await page.getByTestId('create-season').click(); // the token is known now: no dialog
  await page.getByTestId('season-created').waitFor();

  const created = await seasonNamed(name);
  assert.ok(created, 'the season exists');
  assert.equal(created.status, 'draft');
  assert.deepEqual(created.config.symbols, [BTC]);
  assert.deepEqual(created.config.risk, { max_leverage: 5 });
  assert.equal(created.config.anonymize, true, 'the memorization guard is on');
  assert.equal(created.config.risk_preset, 'conservative');
  assert.equal(created.config.margin_mode, 'cross');
  assert.equal(created.config.position_mode, 'long_short');
  assert.equal(created.config.tape_seed, undefined, 'its secret is never served');
  assert.equal(created.ticks_total, 48, 'two days of hourly ticks');
  const entries = (await apiGet(`/api/v1/seasons/${created.id}/entries`)).items;
  assert.deepEqual(entries.filter((e) => !e.baseline).map((e) => e.name).sort(), ['ema-trend', 'momentum']);
  assert.ok(entries.some((e) => e.baseline), 'the baselines were added');

  await page.getByTestId('start-now').click();
  assert.match(await page.getByTestId('move-result').innerText(), new RegExp(`Season ${created.id} .* started at tick`));
  assert.ok(['running', 'finished'].includes((await apiGet(`/api/v1/seasons/${created.id}`)).status));

  // The list follows the run over the WebSocket, with no reload.
  const row = page.getByTestId(`season-row-${created.id}`);
  await row.getByTestId('season-status').filter({ hasText: 'finished' }).waitFor({ timeout: 60_000 });
  const done = await apiGet(`/api/v1/seasons/${created.id}`);
  assert.equal(done.status, 'finished');
  assert.equal(await row.getByTestId('season-ticks').innerText(), `${done.ticks_done} / ${done.ticks_total}`);
  assert.equal(await row.getByTestId('season-entries').innerText(), String(entries.length));
  assert.equal(await row.getByTestId('season-link').getAttribute('href'), `/seasons/${created.id}`);
  assert.equal(await row.getByTestId('season-action-pause').count(), 0, 'a finished season offers no moves');
  await screenshot(page, 'seasons');
  assertNoErrors(page, INVALID);

  const detail = await openPage(browser, `/seasons/${created.id}`);
  assert.equal(await detail.getByTestId('season-anonymized').innerText(), 'anonymized tape');
  await detail.close();
});

test('a live season binds each agent to its own exchange account before anything is sent', async () => {
  const page = await openPage(browser, '/seasons');
  await page.getByTestId('new-season').click();
  const form = page.getByTestId('season-create-form');
  await form.getByLabel('Name', { exact: true }).fill('e2e-live');
  await form.getByLabel('Mode').selectOption('live');
  await form.getByTestId(`symbol-${BTC}`).check();
  await form.getByTestId('coverage-hint').getByRole('button', { name: '2 days' }).click();
  await form.getByTestId('agent-ema-trend').check();
  await form.getByTestId('agent-momentum').check();
  // The accounts the API lists (`arena account add`) that trade the season's market (Binance:
  // not the OKX one), each shown with its exchange and mode.
  const accounts = form.getByTestId('live-accounts');
  const choices = await accounts.getByTestId('account-for-ema-trend').locator('option').allInnerTexts();
  assert.deepEqual(choices, [
    'choose…', 'binance-demo-1 (binanceusdm, demo trading)', 'binance-demo-2 (binanceusdm, demo trading)',
  ]);
  await accounts.getByTestId('account-for-ema-trend').selectOption('binance-demo-1');
  await accounts.getByTestId('account-for-momentum').selectOption('binance-demo-1');
  await screenshot(page, 'season-create-live');

  const before = (await apiGet('/api/v1/seasons?limit=1000')).total;
  await page.getByTestId('create-season').click();
  await page.getByTestId('form-errors').waitFor();
  const text = await form.innerText();
  assert.match(text, /Each agent needs its own account\./);
  assert.match(text, /A live season has no baselines/);
  assert.match(text, /Required for a live season\./);
  assert.equal((await apiGet('/api/v1/seasons?limit=1000')).total, before, 'nothing was sent');
  assertNoErrors(page);
});

test('a running season pauses, resumes and ends from the list', async () => {
  // A long window with several entries: it runs long enough to be paused by hand.
  const season = await apiPost('/api/v1/seasons', {
    name: `e2e-long-${Date.now()}`, symbols: [BTC], start: '2024-01-01', end: '2026-05-01',
    participants: ['ema-trend', 'momentum', 'breakout', 'bollinger-range'],
  });
  const page = await openPage(browser, '/seasons');
  const row = page.getByTestId(`season-row-${season.id}`);
  await row.getByTestId('season-action-start').click();
  await giveToken(page);
  await page.getByTestId('move-result').filter({ hasText: 'started at tick' }).waitFor();

  await row.getByTestId('season-action-pause').click();
  const paused = await page.getByTestId('move-result').filter({ hasText: 'paused at tick' }).innerText();
  const atTick = Number(/paused at tick ([\d,]+)/.exec(paused)[1].replace(/,/g, ''));
  const afterPause = await apiGet(`/api/v1/seasons/${season.id}`);
  assert.equal(afterPause.status, 'paused');
  assert.ok(afterPause.ticks_done >= atTick && atTick < afterPause.ticks_total);
  assert.equal(await row.getByTestId('season-status').innerText(), 'paused');

  await row.getByTestId('season-action-resume').click();
  await page.getByTestId('move-result').filter({ hasText: 'resumed at tick' }).waitFor();
  assert.ok(['running', 'finished'].includes((await apiGet(`/api/v1/seasons/${season.id}`)).status));

  // Ending takes a confirmation.
  const end = row.getByTestId('season-action-end');
  await end.click();
  assert.equal(await end.innerText(), 'Confirm end');
  await end.click();
  await page.getByTestId('move-result').filter({ hasText: 'ended at tick' }).waitFor();
  assert.equal((await apiGet(`/api/v1/seasons/${season.id}`)).status, 'finished');
  assertNoErrors(page);
});

test('an agent is registered, edited and disabled from the agents page', async () => {
  const name = `e2e-ema-${Date.now()}`;
  const page = await openPage(browser, '/agents');
  await page.getByTestId('agents-table').waitFor();
  const listed = (await apiGet('/api/v1/agents?limit=1000')).items;
  assert.equal(await page.locator('[data-testid^="agent-row-"]').count(), listed.length);

  await page.getByTestId('new-agent').click();
  const form = page.getByTestId('agent-form');
  await form.getByTestId('agent-field-name').fill(name);
  await form.getByTestId('agent-field-strategy').selectOption('ema_trend');
  assert.equal(await form.getByTestId('param-slow').inputValue(), '26', 'the default is filled in');
  await form.getByTestId('param-fast').fill('9');
  await form.getByTestId('agent-field-leverage').fill('2');
  await form.getByTestId('save-agent').click();
  await giveToken(page);
  await page.getByTestId('agent-result').filter({ hasText: 'is registered' }).waitFor();
  let agent = await apiGet(`/api/v1/agents/${name}`);
  assert.equal(agent.kind, 'strategy');
  assert.deepEqual(agent.config.params, { fast: '9' });
  assert.equal(agent.config.leverage, 2);
  const row = page.getByTestId(`agent-row-${name}`);
  assert.equal(await row.getByTestId('agent-description').innerText(), 'strategy ema_trend fast=9 2x');

  await row.getByTestId('agent-edit').click();
  await form.getByTestId('param-slow').fill('40');
  await form.getByTestId('save-agent').click();
  await page.getByTestId('agent-result').filter({ hasText: 'is saved' }).waitFor();
  agent = await apiGet(`/api/v1/agents/${name}`);
  assert.deepEqual(agent.config.params, { fast: '9', slow: '40' });

  await row.getByTestId('agent-disable').click();
  await row.getByTestId('agent-enabled').filter({ hasText: 'disabled' }).waitFor();
  assert.equal((await apiGet(`/api/v1/agents/${name}`)).enabled, false);

  // The LLM agent's recent model calls, as the API lists them.
  const calls = await apiGet('/api/v1/agents/fake-gpt/llm-calls?limit=20');
  await page.getByTestId('agent-row-fake-gpt').getByTestId('agent-calls').click();
  await page.getByTestId('llm-call').first().waitFor();
  assert.ok(calls.total > 0);
  assert.equal(await page.getByTestId('llm-call').count(), calls.items.length);
  await screenshot(page, 'agents');
  assertNoErrors(page);
});

test('a remote agent is registered from the form, its secret shown once, then rotated', async () => {
  const name = `e2e-remote-${Date.now()}`;
  const page = await openPage(browser, '/agents');
  await page.getByTestId('agents-table').waitFor();
  await page.getByTestId('new-agent').click();
  const form = page.getByTestId('agent-form');
  await form.getByTestId('agent-field-name').fill(name);
  await form.getByTestId('agent-field-kind').selectOption('remote');
  assert.match(await form.innerText(), /see docs\/remote-agents\.md/);

  // Plain http off loopback is refused in the form, by the API's rule, before anything is sent.
  await form.getByTestId('agent-field-url').fill('http://bot.example.com/decide');
  await form.getByTestId('save-agent').click();
  assert.match(await form.getByTestId('field-error').first().innerText(), /loopback/);
  assert.equal(await page.getByTestId('token-dialog').count(), 0);
  await screenshot(page, 'agent-form-remote');

  await form.getByTestId('agent-field-url').fill('http://127.0.0.1:8765/decide');
  await form.getByTestId('agent-field-deadlineS').fill('5');
  await form.getByTestId('agent-field-maxLeverage').fill('3');
  await form.getByTestId('save-agent').click();
  await giveToken(page);
  const panel = page.getByTestId('secret-panel');
  await panel.waitFor();
  const secret = await panel.getByTestId('agent-secret').innerText();
  assert.match(secret, /^arsk_[A-Za-z0-9_-]{20,}$/);
  assert.match(await panel.innerText(),
    /Shown once: store it where your bot can read it \(e\.g\. ARENA_BOT_SECRET\); it cannot be shown again\./);
  await screenshot(page, 'agent-secret');

  await panel.getByTestId('secret-done').click();
  await panel.waitFor({ state: 'detached' });
  const kept = await page.evaluate(() => [document.documentElement.outerHTML, JSON.stringify({ ...sessionStorage }), JSON.stringify({ ...localStorage })]);
  assert.ok(kept.every((text) => !text.includes(secret)), 'the secret is gone from the page and the storages');

  const agent = await apiGet(`/api/v1/agents/${name}`);
  assert.equal(agent.kind, 'remote');
  assert.deepEqual(agent.config, { kind: 'remote', url: 'http://127.0.0.1:8765/decide', timeframe: '1h', deadline_s: 5, max_leverage: 3 });
  assert.ok(!JSON.stringify(agent).includes(secret), 'the API never serves it again');
  const row = page.getByTestId(`agent-row-${name}`);
  assert.equal(await row.locator('td').nth(1).innerText(), 'remote');
  assert.equal(await row.getByTestId('agent-description').innerText(), 'remote http://127.0.0.1:8765/decide · 5 s · max 3x');

  // Rotating takes a confirmation, then shows a new secret once.
  await row.getByTestId('agent-rotate').click();
  await row.getByTestId('agent-rotate-cancel').click();
  assert.equal(await page.getByTestId('secret-panel').count(), 0, 'cancelled: nothing rotated');
  await row.getByTestId('agent-rotate').click();
  await row.screenshot({ path: 'e2e/screenshots/agent-rotate-confirm.png' });
  await row.getByTestId('agent-rotate-confirm').click();
  await panel.waitFor();
  assert.match(await panel.getByRole('heading').innerText(), new RegExp(`New signing secret of ${name}`));
  const rotated = await panel.getByTestId('agent-secret').innerText();
  assert.match(rotated, /^arsk_/);
  assert.notEqual(rotated, secret);
  await panel.getByTestId('secret-done').click();
  await panel.waitFor({ state: 'detached' });
  assert.ok(!(await page.content()).includes(rotated));
  assert.match(await page.getByTestId('agent-result').innerText(), /has a new signing secret: the old one no longer works/);
  assertNoErrors(page);
});

test('the prompts page lists versions and shows the diff of a new one', async () => {
  const prompt = 'alpha_arena_trader';
  const newest = await apiGet(`/api/v1/prompts/${prompt}`);
  const versions = (await apiGet(`/api/v1/prompts?name=${prompt}`)).items;
  const page = await openPage(browser, '/prompts');
  await page.getByTestId('prompt-versions').waitFor();
  assert.equal(await page.getByTestId('prompt-version-row').count(), versions.length);
  assert.match(await page.getByTestId('prompt-template-view').innerText(), /----- user -----/);

  const lines = newest.template.split('\n');
  const changed = `${lines[0]} Keep answers short (e2e ${Date.now()}).`;
  await page.getByTestId('add-version').click();
  const editor = page.getByTestId('prompt-template');
  assert.equal(await editor.inputValue(), newest.template, 'the editor starts from the newest version');
  await editor.fill([changed, ...lines.slice(1)].join('\n'));
  await page.getByTestId('prompt-description').fill('e2e: shorter answers');
  await page.getByTestId('save-prompt').click();
  await giveToken(page);
  await page.getByTestId('prompt-result').filter({ hasText: `version ${newest.version + 1}` }).waitFor();

  const stored = await apiGet(`/api/v1/prompts/${prompt}`);
  assert.equal(stored.version, newest.version + 1);
  assert.equal(stored.description, 'e2e: shorter answers');
  const diff = page.getByTestId('prompt-diff');
  await diff.waitFor();
  assert.equal(await diff.getByTestId('diff-removed').count(), 1);
  assert.equal(await diff.getByTestId('diff-added').count(), 1);
  assert.match(await diff.getByTestId('diff-removed').innerText(), new RegExp(`−\\s*${escape(lines[0])}`));
  assert.match(await diff.getByTestId('diff-added').innerText(), /\+\s*.*Keep answers short/);
  // Marked by colour too, not only by the sign.
  const backgrounds = await diff.evaluate((node) =>
    ['.diff-line.added', '.diff-line.removed'].map((s) => node.ownerDocument.defaultView.getComputedStyle(node.querySelector(s)).backgroundColor),
  );
  assert.ok(backgrounds.every((colour) => colour !== 'rgba(0, 0, 0, 0)') && backgrounds[0] !== backgrounds[1]);
  assert.equal(await page.getByTestId('prompt-version-row').count(), versions.length + 1);
  await screenshot(page, 'prompts-diff');
  assertNoErrors(page);
});

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
