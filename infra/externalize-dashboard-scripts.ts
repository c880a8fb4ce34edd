// Run by the dashboard's build (`npm run build -w web`) after `next build`: the static export must
// have no inline script, so that the dashboard runs under `script-src 'self'` (infra/dashboard-csp.ts).
import { resolve } from 'node:path';
import { externalizeExport, pagesWithInlineScripts } from './dashboard-csp.ts';

const dir = resolve(process.argv[2] ?? 'web/out');
const { pages, scripts } = externalizeExport(dir);
const left = pagesWithInlineScripts(dir);
if (left.length > 0) {
  console.error(`Inline scripts remain in ${left.join(', ')}`);
  process.exit(1);
}
console.log(`externalized ${scripts} inline script(s) from ${pages} page(s) of ${dir}`);
