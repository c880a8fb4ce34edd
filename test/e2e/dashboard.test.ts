import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { api } from '../support/http.ts';
import { newTenant, type TestTenant } from '../support/tenants.ts';
import { type SeededWorkspace, seedWorkspace } from './seed.ts';

/**
 * The dashboard, end to end: Debian's Chromium drives the static export that the test stack's
 * gateway serves, against the real API and emulators. Screenshots of the main pages land in
 * test-results/screenshots/ for people to look at.
 */

const webOut = resolve(import.meta.dirname, '../../web/out');
const screenshots = resolve(import.meta.dirname, '../../test-results/screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// No network beyond loopback: Chromium otherwise looks up Google hosts even when told not to sync.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];
/** The first run colour of the dashboard's palette (lib/run-colors.ts), as RGB. */
const firstRunColor: [number, number, number] = [0x5b, 0x5b, 0xd6];
const secondRunColor: [number, number, number] = [0xe5, 0x48, 0x4d];
const thirdRunColor: [number, number, number] = [0x30, 0xa4, 0x6c];

/** The page settles at its own pace on a loaded machine: poll longer than vitest's one second. */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });

let browser: Browser;
let tenant: TestTenant;
let workspace: SeededWorkspace;
let baseUrl: string;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

async function newPage(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...options });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  // The gateway serves the dashboard with its content security policy, as CloudFront does: anything
  // the policy blocks (an inline script, a connection elsewhere) is a failure of the test.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      pageErrors.push(`${page.url()}: ${message.text()}`);
  });
  return page;
}

async function signIn(page: Page, key: string, path = '/experiments/') {
  await page.goto(`${baseUrl}${path}`);
  await page.waitForURL(/\/sign-in\//);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === path.split('?')[0]);
}

async function shoot(page: Page, name: string) {
  await page.screenshot({ path: resolve(screenshots, `${name}.png`) });
}

/** Pixels of the canvas within a small distance of an RGB colour: the drawn series, not the grid. */
async function pixelsOfColor(page: Page, chart: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ({ selector, color }) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`${selector} canvas`);
      if (!canvas) return -1;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        const near =
          Math.abs(data[i]! - color[0]) < 40 &&
          Math.abs(data[i + 1]! - color[1]) < 40 &&
          Math.abs(data[i + 2]! - color[2]) < 40;
        if (near && data[i + 3]! > 128) count++;
      }
      return count;
    },
    { selector: chart, color: rgb },
  );
}

function rows(page: Page) {
  return page.locator('table[aria-label="Runs"] tbody tr');
}

/** Why the suite cannot run (no build, no browser): every test fails with it, none is skipped. */
let setupProblem: Error | undefined;

beforeAll(async () => {
  // Prepare: a built dashboard, served by the test gateway, and a seeded tenant.
  if (!existsSync(resolve(webOut, 'index.html'))) {
    setupProblem = new Error(
      'web/out is missing: build the dashboard with `npm run build -w web` before running the e2e suite',
    );
    return;
  }
  if (!existsSync(chromiumPath)) {
    setupProblem = new Error(`Chromium is missing at ${chromiumPath}: install Debian's chromium package`);
    return;
  }
  baseUrl = inject('cairn').url;
  const home = await api('GET', '/sign-in/');
  if (home.status !== 200 || !String(home.body).includes('<html')) {
    setupProblem = new Error(
      'The test gateway does not serve the dashboard: web/out must exist before the test stack starts',
    );
    return;
  }
  mkdirSync(screenshots, { recursive: true });
  tenant = await newTenant('web');
  workspace = await seedWorkspace((method, path, body) => tenant.call(method, path, { body }));
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}, 240_000);

beforeEach(() => {
  if (setupProblem) throw setupProblem;
});

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  // An uncaught exception in the page is a bug even when the assertions passed.
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe('dashboard', () => {
  it('runs under a strict content security policy: scripts from its own origin only, no inline script', async () => {
    const page = await newPage();
    await page.addInitScript(() => {
      (window as unknown as { violations: string[] }).violations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        (window as unknown as { violations: string[] }).violations.push(
          `${event.violatedDirective} ${event.blockedURI}`,
        ),
      );
    });
    const response = await page.goto(`${baseUrl}/sign-in/`);
    const policy = response?.headers()['content-security-policy'] ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    expect(policy).toMatch(/connect-src 'self'(;|$)/);

    await page.getByLabel('API key').fill(tenant.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/experiments\/$/);
    await page.getByRole('link', { name: workspace.sweep.name }).waitFor();
    const inline = await page.evaluate(
      () =>
        [...document.querySelectorAll('script:not([src])')].filter((script) => script.textContent?.trim())
          .length,
    );
    expect(inline).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
  });

  it('signs in with an API key and shows the workspace and the key role', async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/experiments/`);
    await page.waitForURL(/\/sign-in\/\?next=/);
    await shoot(page, 'sign-in');

    await page.getByLabel('API key').fill(`cairn_${'x'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(() => page.locator('.inline-error').textContent()).toContain('not valid');

    await page.getByLabel('API key').fill(tenant.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/experiments\/$/);
    await eventually(() => page.getByTestId('tenant-name').textContent()).toBe(`Test ${tenant.id}`);
    expect(await page.getByTestId('role').textContent()).toBe('admin');
    await page.getByRole('link', { name: workspace.sweep.name }).waitFor();
    // The key lives in session storage, never in the URL or in local storage.
    expect(page.url()).not.toContain(tenant.adminKey);
    expect(await page.evaluate(() => Object.values(localStorage).join(' '))).not.toContain('cairn_');
    await shoot(page, 'experiments');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in\/$/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('opens an experiment, filters runs with the MLflow grammar and sorts them by a metric', async () => {
    const page = await newPage();
    await signIn(page, tenant.adminKey);
    await page.getByRole('link', { name: workspace.sweep.name }).click();
    await page.waitForURL(/\/experiment\/\?id=/);
    await eventually(() => rows(page).count()).toBe(workspace.sweep.runs.length);
    await shoot(page, 'experiment-runs');

    // Act: "/" focuses the filter, Enter applies it.
    await page.locator('table[aria-label="Runs"]').focus();
    await page.keyboard.press('/');
    await page.keyboard.type("params.optimizer = 'adamw' and metrics.`val/accuracy` > 0.1");
    await page.keyboard.press('Enter');
    const adamw = workspace.sweep.runs.filter((run) => run.name.startsWith('adamw'));
    await eventually(() => rows(page).count()).toBe(adamw.length);
    expect(new URL(page.url()).searchParams.get('filter')).toContain("params.optimizer = 'adamw'");

    await page.getByRole('columnheader', { name: 'val/accuracy' }).getByRole('button').click();
    await eventually(() => page.url()).toContain('sort=metrics.val%2Faccuracy%3Adesc');
    const best = [...adamw].sort((a, b) => b.finalAccuracy - a.finalAccuracy);
    await eventually(() => rows(page).locator('td:nth-child(2)').allTextContents()).toEqual(
      best.map((run) => run.name),
    );

    // A broken filter is pointed out inline with the server's message.
    const filter = page.getByLabel('Filter runs');
    await filter.fill('metrics.accuracy >> 1');
    await filter.press('Enter');
    await eventually(() => page.getByTestId('filter-error').textContent()).toContain('Invalid filter');

    // Keyboard: clear, then ↓ and Enter open the first run.
    await filter.fill('');
    await eventually(() => rows(page).count()).toBe(workspace.sweep.runs.length);
    await page.locator('table[aria-label="Runs"]').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/run\/\?id=/);
  });

  it('opens a run and draws its metric charts', async () => {
    const page = await newPage();
    const run = workspace.sweep.runs[0]!;
    await signIn(page, tenant.adminKey, `/run/?id=${run.id}`);
    await eventually(() => page.getByTestId('run-name').textContent()).toBe(run.name);
    await page.getByText('Baseline of the sweep').waitFor();
    await shoot(page, 'run-overview');

    await page.getByRole('tab', { name: /Charts/ }).click();
    const chart = '[data-metric="train/loss"] .chart-box';
    await page.locator(`${chart}[data-chart-state="drawn"]`).waitFor();
    expect(await pixelsOfColor(page, chart, firstRunColor)).toBeGreaterThan(300);
    await shoot(page, 'run-charts');

    // Log scale and smoothing redraw, and the URL keeps them for a shared link.
    await page.getByLabel('Log scale').check();
    await page.getByLabel('Smoothing').fill('0.8');
    await eventually(() => page.url()).toContain('log=1');
    await eventually(() => page.url()).toContain('smooth=0.8');
    await page.locator(`${chart}[data-chart-state="drawn"]`).waitFor();
    expect(await pixelsOfColor(page, chart, firstRunColor)).toBeGreaterThan(300);

    await page.getByRole('tab', { name: 'Artifacts' }).click();
    await page.getByRole('button', { name: /model/ }).click();
    await page.getByText('MLmodel').waitFor();
  });

  it('compares three runs: overlaid charts and a table that highlights differences', async () => {
    const page = await newPage();
    await signIn(page, tenant.adminKey, `/experiment/?id=${workspace.sweep.id}`);
    const chosen = workspace.sweep.runs.slice(0, 3);
    for (const run of chosen) await page.locator(`tr[data-row-key="${run.id}"] input[type=checkbox]`).click();
    await page.getByTestId('selection-bar').getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(/\/compare\/\?runs=/);
    expect(new URL(page.url()).searchParams.get('runs')?.split(',').sort()).toEqual(
      chosen.map((run) => run.id).sort(),
    );

    const chart = '[data-metric="val/accuracy"] .chart-box';
    await page.locator(`${chart}[data-chart-state="drawn"]`).waitFor();
    for (const color of [firstRunColor, secondRunColor, thirdRunColor]) {
      expect(await pixelsOfColor(page, chart, color)).toBeGreaterThan(100);
    }
    await shoot(page, 'compare-charts');

    await page.getByRole('tab', { name: 'Params & metrics' }).click();
    const lrRow = page.locator('tr[data-different]').filter({ has: page.locator('th', { hasText: /^lr$/ }) });
    await eventually(() => lrRow.count()).toBeGreaterThan(0);
    await page.getByLabel('Only rows that differ').check();
    await eventually(() =>
      page.locator('tr', { has: page.locator('th', { hasText: /^epochs$/ }) }).count(),
    ).toBe(0);
    await shoot(page, 'compare-table');

    await page.getByRole('tab', { name: 'Parallel coordinates' }).click();
    await eventually(() => page.locator('svg.plot-svg polyline').count()).toBe(3);
    await page.getByRole('tab', { name: 'Scatter' }).click();
    await eventually(() => page.locator('svg.plot-svg circle').count()).toBe(3);
  });

  it('promotes a model version and shows the alias move', async () => {
    const page = await newPage();
    const { name } = workspace.model;
    await signIn(page, tenant.adminKey, `/model/?name=${name}`);
    await eventually(() => page.getByTestId('aliases-v1').textContent()).toContain('@champion');

    await page.getByRole('button', { name: 'Promote v2' }).click();
    await eventually(() => page.getByText('points at v1 today').count()).toBe(1);
    await page.getByRole('button', { name: 'Move @champion' }).click();

    await eventually(() => page.getByTestId('aliases-v2').textContent()).toContain('@champion');
    expect(await page.getByTestId('aliases-v1').textContent()).not.toContain('@champion');
    const model = await tenant.call('GET', `/api/v1/models/${name}`);
    expect(model.body.model.aliases).toEqual({ champion: 2 });
    await shoot(page, 'model');

    await page.goto(`${baseUrl}/model-version/?name=${name}&version=2&tab=history`);
    await eventually(() => page.getByTestId('version-history').textContent()).toContain('@champion: v1 → v2');
    await shoot(page, 'model-version-history');
  });

  it('revokes an API key as admin, and the key stops working', async () => {
    const page = await newPage();
    const made = await tenant.call('POST', '/api/v1/keys', { body: { name: 'ci-bot', role: 'writer' } });
    const secret: string = made.body.apiKey.secret;
    await signIn(page, tenant.adminKey, '/settings/keys/');
    await page.getByRole('button', { name: 'Revoke ci-bot' }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await eventually(() => page.getByRole('button', { name: 'Revoke ci-bot' }).count()).toBe(0);
    await shoot(page, 'api-keys');

    const refused = await api('GET', '/api/v1/tenant', { key: secret });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('auth.invalid_key');
  });

  it('gives a reader key every page and no write control', async () => {
    const reader = await tenant.keyWith('reader');
    const page = await newPage();
    await signIn(page, reader);
    expect(await page.getByTestId('role').textContent()).toBe('reader');
    expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    const run = workspace.sweep.runs[1]!;
    const pages = [
      '/experiments/',
      `/experiment/?id=${workspace.sweep.id}`,
      `/run/?id=${run.id}`,
      `/model/?name=${workspace.model.name}`,
      `/model-version/?name=${workspace.model.name}&version=1`,
    ];
    for (const path of pages) {
      await page.goto(`${baseUrl}${path}`);
      await page.locator('h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.locator('[data-write]').count(), path).toBe(0);
    }
    // Reading is not writing: the reader still sees the charts.
    await page.goto(`${baseUrl}/run/?id=${run.id}&tab=charts`);
    await page.locator('[data-metric="train/loss"] .chart-box[data-chart-state="drawn"]').waitFor();
    expect(await page.getByRole('button', { name: 'Rename' }).count()).toBe(0);
    await shoot(page, 'reader-run-charts');
  });

  it('shows datasets, a diff of two versions and the audit log, in the dark theme too', async () => {
    const page = await newPage({ colorScheme: 'dark' });
    const { name } = workspace.dataset;
    await signIn(page, tenant.adminKey, `/dataset/?name=${name}&diff=1,2`);
    await eventually(() => page.getByTestId('dataset-diff').textContent()).toContain('val/labels.csv');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shoot(page, 'dataset-diff-dark');

    await page.goto(`${baseUrl}/audit/`);
    await eventually(() => page.locator('table[aria-label="Audit events"] tbody tr').count()).toBeGreaterThan(
      3,
    );
    await shoot(page, 'audit-dark');

    await page.goto(`${baseUrl}/run/?id=${workspace.sweep.runs[2]!.id}&tab=charts`);
    await page.locator('[data-metric="val/accuracy"] .chart-box[data-chart-state="drawn"]').waitFor();
    await shoot(page, 'run-charts-dark');
  });
});
