import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The dashboard's content security policy, for CloudFront and the local gateway alike. Scripts
 * come only from the dashboard's own origin (`'self'`): the export has no inline script (see
 * `externalizeExport`), so neither `'unsafe-inline'` nor a list of hashes (CloudFront allows a
 * policy of 1,783 characters, which a growing list of per-page hashes would outgrow) is needed.
 * Inline styles stay allowed: React and the charts set `style` attributes. The browser talks to
 * `connect` only (the API); presigned transfers are downloads by navigation, which `connect-src`
 * does not govern.
 */
export function dashboardCsp(connect: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${["'self'", ...connect].join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

/**
 * A `<meta>` policy that narrows what the browser may connect to, written into each page at
 * deploy. Browsers enforce every policy a page has: with the header's region-wide API pattern, the
 * effect is "this stack's API only". (The header cannot name the API: the API's CORS origin is the
 * distribution, and the distribution's headers would then depend on the API.)
 */
export function connectMeta(connect: readonly string[]): string {
  return `<meta http-equiv="Content-Security-Policy" content="connect-src ${["'self'", ...connect].join(' ')}"/>`;
}

/** Inserts `meta` first in the page's head, before anything a policy should govern. */
export function withMeta(html: string, meta: string): string {
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (!head) throw new Error('The page has no <head> to put its content security policy in');
  const at = head.index + head[0].length;
  return html.slice(0, at) + meta + html.slice(at);
}

const scriptTag = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
/** Script types a browser does not execute (data blocks), which `script-src` does not govern. */
const dataTypes = /\btype\s*=\s*["']?(application\/(ld\+)?json|text\/plain|importmap)/i;

/** The inline scripts of a page: executable `<script>` elements with content and no `src`. */
export function inlineScripts(html: string): string[] {
  const found: string[] = [];
  for (const [, attributes = '', body = ''] of html.matchAll(scriptTag)) {
    if (/\bsrc\s*=/i.test(attributes) || dataTypes.test(attributes) || body.trim() === '') continue;
    found.push(body);
  }
  return found;
}

/** Where an externalized script is served from: content-addressed, so pages share identical ones. */
export const inlineScriptFolder = '_next/static/inline';

/**
 * Moves every inline script of a page into a file of its own and references it with `src`,
 * keeping its other attributes. A parser-blocking external script runs at the same point of the
 * page as the inline one did, so the page behaves the same under `script-src 'self'`.
 */
export function externalizeInlineScripts(
  html: string,
  write: (path: string, content: string) => void,
): string {
  return html.replace(scriptTag, (tag, attributes: string, body: string) => {
    if (/\bsrc\s*=/i.test(attributes) || dataTypes.test(attributes) || body.trim() === '') return tag;
    const digest = createHash('sha256').update(body).digest('hex').slice(0, 24);
    const path = `${inlineScriptFolder}/${digest}.js`;
    write(path, body);
    return `<script src="/${path}"${attributes}></script>`;
  });
}

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.html'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every page of a static export and its inline scripts, for checks before it is served. */
export function pagesWithInlineScripts(dir: string): string[] {
  return htmlFiles(dir)
    .filter((file) => inlineScripts(readFileSync(file, 'utf8')).length > 0)
    .map((file) => relative(dir, file));
}

/** Rewrites a static export in place so that no page has an inline script. Idempotent. */
export function externalizeExport(dir: string): { pages: number; scripts: number } {
  const scripts = new Set<string>();
  let pages = 0;
  for (const file of htmlFiles(dir)) {
    const html = readFileSync(file, 'utf8');
    const rewritten = externalizeInlineScripts(html, (path, content) => {
      mkdirSync(join(dir, inlineScriptFolder), { recursive: true });
      writeFileSync(join(dir, path), content);
      scripts.add(path);
    });
    if (rewritten !== html) {
      writeFileSync(file, rewritten);
      pages++;
    }
  }
  return { pages, scripts: scripts.size };
}
