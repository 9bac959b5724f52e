// Copy Swagger UI's and ReDoc's files next to the dashboard so the API docs work offline.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '../src/alpha_arena/dashboard/static/docs-assets');
const files = {
  'swagger-ui-dist/swagger-ui-bundle.js': 'swagger-ui-bundle.js',
  'swagger-ui-dist/swagger-ui.css': 'swagger-ui.css',
  'swagger-ui-dist/LICENSE': 'swagger-ui.LICENSE',
  'redoc/LICENSE': 'redoc.LICENSE',
};
mkdirSync(target, { recursive: true });
for (const [from, to] of Object.entries(files)) {
  copyFileSync(join(root, 'node_modules', from), join(target, to));
}
// ReDoc's footer shows a logo from its CDN; point it at a local file so nothing leaves the host.
const redoc = readFileSync(join(root, 'node_modules/redoc/bundles/redoc.standalone.js'), 'utf8');
const cdnLogo = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
if (!redoc.includes(cdnLogo)) throw new Error(`ReDoc no longer loads ${cdnLogo}: check what it fetches`);
writeFileSync(join(target, 'redoc.standalone.js'), redoc.replaceAll(cdnLogo, '/docs-assets/redoc-logo.svg'));
writeFileSync(
  join(target, 'redoc-logo.svg'),
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#8a8f98"/></svg>',
);
console.log(`docs assets: ${Object.keys(files).length + 2} files in ${target}`);
