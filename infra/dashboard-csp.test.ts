// Pure tests of the export rewrite that lets the dashboard run under `script-src 'self'`; the e2e
// suite proves the rewritten dashboard works in Chromium under the policy.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  connectMeta,
  dashboardCsp,
  externalizeExport,
  externalizeInlineScripts,
  inlineScripts,
  pagesWithInlineScripts,
  withMeta,
} from './dashboard-csp.ts';

const page = [
  '<!DOCTYPE html><html><head><meta charSet="utf-8"/>',
  '<script src="/_next/static/chunks/a.js" async=""></script>',
  '<script>(function(){document.documentElement.dataset.theme="dark"})();</script>',
  '<script type="application/ld+json">{"@type":"Thing"}</script>',
  '</head><body><script id="_R_">(globalThis.T||(globalThis.T=[])).push(1);</script>',
  '<script>self.__next_f.push([1,"a<\\/script>b"])</script></body></html>',
].join('');

describe('dashboard content security policy (offline)', () => {
  it('allows scripts from the own origin only, and connections to the named API', () => {
    const policy = dashboardCsp(['https://api.example.com']);
    expect(policy).toContain("script-src 'self';");
    expect(policy).not.toMatch(/script-src[^;]*unsafe/);
    expect(policy).toContain("connect-src 'self' https://api.example.com;");
    expect(policy).toContain("frame-ancestors 'none'");
  });

  it('moves every executable inline script into a file, in place and with its attributes', () => {
    const written = new Map<string, string>();
    const rewritten = externalizeInlineScripts(page, (path, content) => written.set(path, content));
    expect(inlineScripts(page)).toHaveLength(3);
    expect(inlineScripts(rewritten)).toEqual([]);
    expect(written.size).toBe(3);
    expect([...written.values()]).toContain('self.__next_f.push([1,"a<\\/script>b"])');
    const [theme] = [...written].find(([, content]) => content.includes('dataset.theme'))!;
    expect(rewritten).toContain(`<script src="/${theme}"></script>`);
    expect(rewritten).toMatch(/<script src="\/_next\/static\/inline\/[0-9a-f]{24}\.js" id="_R_"><\/script>/);
    // Scripts a browser does not run, and external ones, stay as they were.
    expect(rewritten).toContain('<script type="application/ld+json">{"@type":"Thing"}</script>');
    expect(rewritten).toContain('<script src="/_next/static/chunks/a.js" async=""></script>');
    expect(rewritten.indexOf(theme)).toBeLessThan(rewritten.indexOf('</head>'));
  });

  it('rewrites a whole export once: identical scripts share a file, a second run changes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-export-'));
    try {
      mkdirSync(join(dir, 'runs'));
      writeFileSync(join(dir, 'index.html'), page);
      writeFileSync(join(dir, 'runs', 'index.html'), page);
      expect(pagesWithInlineScripts(dir).sort()).toEqual(['index.html', 'runs/index.html']);
      expect(externalizeExport(dir)).toEqual({ pages: 2, scripts: 3 });
      expect(pagesWithInlineScripts(dir)).toEqual([]);
      const once = readFileSync(join(dir, 'runs', 'index.html'), 'utf8');
      expect(externalizeExport(dir)).toEqual({ pages: 0, scripts: 0 });
      expect(readFileSync(join(dir, 'runs', 'index.html'), 'utf8')).toBe(once);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("puts the page's own connect policy first in its head", () => {
    const meta = connectMeta(['https://abc.execute-api.eu-west-1.amazonaws.com']);
    expect(withMeta(page, meta)).toMatch(
      /^<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="connect-src 'self' https:\/\/abc\.execute-api\.eu-west-1\.amazonaws\.com"\/><meta charSet/,
    );
    expect(() => withMeta('<p>no head</p>', meta)).toThrow(/no <head>/);
  });
});
