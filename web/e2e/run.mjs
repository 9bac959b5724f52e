// The browser tests: start the stack (a fresh arena on the demo data and a real `arena serve`,
// see tests/support/e2e_stack.py), then run every spec in e2e/specs/ with node's test runner,
// one file at a time, in Debian's Chromium. Screenshots land in e2e/screenshots/.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(web, '..');
const python = process.env.ARENA_PYTHON ?? join(repo, '.venv/bin/python');
const chromium = process.env.ARENA_E2E_CHROMIUM ?? '/usr/bin/chromium';

if (!existsSync(chromium)) {
  console.error(`error: no Chromium at ${chromium}: install it (apt-get install -y chromium) or set ARENA_E2E_CHROMIUM`);
  process.exit(2);
}
if (!existsSync(join(web, '../src/alpha_arena/dashboard/static/index.html'))) {
  console.error('error: the dashboard is not built: run `npm run build` in web/ first');
  process.exit(2);
}

const folder = mkdtempSync(join(tmpdir(), 'arena-e2e-'));
const stack = spawn(python, ['-m', 'tests.support.e2e_stack', folder], {
  cwd: repo,
  stdio: ['pipe', 'pipe', 'inherit'],
});
const ready = await new Promise((resolve, reject) => {
  const lines = createInterface({ input: stack.stdout });
  lines.once('line', (line) => resolve(JSON.parse(line)));
  stack.once('exit', (code) => reject(new Error(`the e2e stack exited with ${code} before it was up`)));
});
console.log(`e2e stack up at ${ready.url} (data in ${folder})`);

const only = process.argv.slice(2);
const specs = readdirSync(join(web, 'e2e/specs'))
  .filter((name) => name.endsWith('.e2e.mjs'))
  .filter((name) => only.length === 0 || only.some((part) => name.includes(part)))
  .sort()
  .map((name) => join('e2e/specs', name));

const code = await new Promise((resolve) => {
  const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...specs], {
    cwd: web,
    stdio: 'inherit',
    env: {
      ...process.env,
      ARENA_E2E_URL: ready.url,
      ARENA_E2E_TOKEN: ready.token,
      ARENA_E2E_STACK: JSON.stringify(ready),
      ARENA_E2E_CHROMIUM: chromium,
    },
  });
  tests.once('exit', (status) => resolve(status ?? 1));
});

stack.stdin.end(); // the stack stops its server and its fake model
await new Promise((resolve) => stack.once('exit', resolve));
if (code === 0) rmSync(folder, { recursive: true, force: true });
else console.error(`e2e failed: the arena's files and serve.log are in ${folder}`);
process.exit(code);
