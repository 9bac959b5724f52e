// What the first page costs: the JavaScript and CSS a browser loads for the Arena page (the
// entry, the Arena page's chunk and everything they import statically), gzipped. Budget: JS
// <= 400 KB gzipped. Reads the build's manifest; run after `npm run build`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const out = join(dirname(fileURLToPath(import.meta.url)), '../../src/alpha_arena/dashboard/static');
const manifest = JSON.parse(readFileSync(join(out, '.vite/manifest.json'), 'utf8'));
const BUDGET_KB = 400;

function closure(keys) {
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const imported of manifest[key]?.imports ?? []) visit(imported);
  };
  keys.forEach(visit);
  return [...seen].map((key) => manifest[key]);
}

const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
const arena = Object.keys(manifest).find((key) => key.endsWith('pages/arena/ArenaPage.tsx'));
const chunks = closure([entry, arena].filter(Boolean));
const size = (files) =>
  files.reduce(
    (total, file) => {
      const bytes = readFileSync(join(out, file));
      return { raw: total.raw + bytes.length, gzip: total.gzip + gzipSync(bytes, { level: 9 }).length };
    },
    { raw: 0, gzip: 0 },
  );
const js = size(chunks.map((chunk) => chunk.file));
const css = size(chunks.flatMap((chunk) => chunk.css ?? []));
const all = size(Object.values(manifest).map((chunk) => chunk.file));
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`first page (Arena): JS ${kb(js.gzip)} gzipped (${kb(js.raw)} raw) in ${chunks.length} chunks, CSS ${kb(css.gzip)} gzipped`);
console.log(`whole app: JS ${kb(all.gzip)} gzipped in ${Object.keys(manifest).length} chunks`);
console.log(`budget: first page JS <= ${BUDGET_KB} KB gzipped: ${js.gzip / 1024 <= BUDGET_KB ? 'met' : 'MISSED'}`);
