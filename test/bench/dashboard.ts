import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { pool } from './search.ts';
import { benchStack, fmt, median, percentile } from './stack.ts';

const webOut = resolve(import.meta.dirname, '../../web/out/index.html');
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

/** How long the page's last request to an API path took (resource timing), in ms. */
function requestTime(page: Page, path: string): Promise<number> {
  return page.evaluate((part) => {
    const entries = performance.getEntriesByType('resource').filter((entry) => entry.name.includes(part));
    return entries.at(-1)?.duration ?? Number.NaN;
  }, path);
}

/** Wall time of `act` until `selector` is in the page, in ms. */
async function timeUntil(page: Page, act: () => Promise<unknown>, selector: string): Promise<number> {
  const started = performance.now();
  await act();
  await page.locator(selector).first().waitFor({ timeout: 120_000 });
  return performance.now() - started;
}

/**
 * The dashboard in Chromium against the local stack: navigation to a drawn chart of a
 * 100,000-point metric (fetched downsampled to the chart's width), and to a rendered runs table
 * of an experiment with 10,000 runs, then scrolling through all of them.
 */
export async function dashboardBench(runCount = Number(process.env.BENCH_RUNS ?? 10_000), points = 100_000) {
  if (!existsSync(webOut)) throw new Error('web/out is missing: run `npm run build -w web` first');
  const stack = await benchStack();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
  try {
    const Experiments = await import('#functions/experiments/store.ts');
    const Runs = await import('#functions/runs/store.ts');

    // Seed through the store in-process: the benchmark measures the browser, not the seeding.
    const seeded = performance.now();
    const long = await Runs.createRun(stack.tenantId, { experimentId: '0', name: 'long-training' }, 'bench');
    for (let offset = 0; offset < points; offset += 1000) {
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: 'loss',
        value: Math.exp(-(offset + i) / 20_000) + Math.random() * 0.02,
        step: offset + i,
        timestamp: 1_700_000_000_000 + (offset + i) * 1000,
      }));
      await Runs.logBatch(stack.tenantId, long.id, { metrics, params: [], tags: [] }, Date.now());
    }
    const experiment = await Experiments.createExperiment(stack.tenantId, { name: 'table-bench' });
    await pool(runCount, 16, async (i) => {
      const params = Object.fromEntries(
        Array.from({ length: 20 }, (_, p) => [`param_${p}`, String((i * (p + 1)) % 97)]),
      );
      const run = await Runs.createRun(
        stack.tenantId,
        { experimentId: experiment.id, name: `run-${i}`, params, startTime: 1_700_000_000_000 + i },
        'bench',
      );
      const metrics = Array.from({ length: 20 }, (_, m) => ({
        key: `metric_${m}`,
        value: Math.random(),
        step: 0,
        timestamp: 1,
      }));
      await Runs.logBatch(stack.tenantId, run.id, { metrics, params: [], tags: [] }, Date.now());
    });
    const seedSeconds = (performance.now() - seeded) / 1000;

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // Signed in before the first navigation, so that the timings hold no sign-in step.
    await context.addInitScript((key) => sessionStorage.setItem('cairn.apiKey', key), stack.apiKey);

    const chartTimes: number[] = [];
    const historyTimes: number[] = [];
    let drawnPoints = 0;
    for (let i = 0; i < 6; i++) {
      const page = await context.newPage();
      const ms = await timeUntil(
        page,
        () => page.goto(`${stack.url}/run/?id=${long.id}&tab=charts`),
        '[data-metric="loss"] .chart-box[data-chart-state="drawn"]',
      );
      drawnPoints = Number(await page.locator('[data-metric="loss"] .chart-box').getAttribute('data-points'));
      if (i > 0) {
        // The first load warms caches and the function.
        chartTimes.push(ms);
        historyTimes.push(await requestTime(page, '/metric-history'));
      }
      await page.close();
    }

    const tableTimes: number[] = [];
    const searchTimes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const page = await context.newPage();
      const ms = await timeUntil(
        page,
        () => page.goto(`${stack.url}/experiment/?id=${experiment.id}`),
        'table[aria-label="Runs"] tbody tr',
      );
      if (i > 0) {
        tableTimes.push(ms);
        searchTimes.push(await requestTime(page, '/runs/search'));
      }
      await page.close();
    }

    // Scroll to the end: each page of runs loads as its end comes into view, until all are held.
    const page = await context.newPage();
    await page.goto(`${stack.url}/experiment/?id=${experiment.id}`);
    const table = page.locator('table[aria-label="Runs"]');
    await table.locator('tbody tr').first().waitFor();
    const scrolled = performance.now();
    await table.focus();
    for (;;) {
      await page.keyboard.press('End');
      const loaded = Number(await table.getAttribute('data-rows'));
      if (loaded >= runCount) break;
      await page.waitForTimeout(50);
      if (performance.now() - scrolled > 600_000)
        throw new Error(`only ${loaded} runs loaded after 10 minutes`);
    }
    const allLoadedMs = performance.now() - scrolled;

    // Smoothness: a fast wheel flick (150 px a frame) through the loaded rows, timing frames.
    const frames = await page.evaluate(async () => {
      const scroller = document.querySelector('.table-scroll') as HTMLElement;
      scroller.scrollTop = 0;
      const gaps: number[] = [];
      let rowsInDom = 0;
      let last = performance.now();
      for (let frame = 0; frame < 240; frame++) {
        scroller.scrollTop += 150;
        await new Promise(requestAnimationFrame);
        const now = performance.now();
        gaps.push(now - last);
        last = now;
        rowsInDom = Math.max(rowsInDom, scroller.querySelectorAll('tbody tr').length);
      }
      return { gaps, rowsInDom };
    });

    return {
      name: `dashboard: Chromium against the local stack`,
      lines: [
        `seeded ${fmt(points)} points and ${fmt(runCount)} runs × 20 metrics × 20 params through the store in ${seedSeconds.toFixed(0)} s`,
        `navigation → drawn chart of a ${fmt(points)}-point metric: median ${fmt(median(chartTimes))} ms, p95 ${fmt(percentile(chartTimes, 95))} ms (${fmt(drawnPoints)} points drawn, downsampled by the API to the chart width; the history request itself: median ${fmt(median(historyTimes))} ms)`,
        `navigation → runs table of ${fmt(runCount)} runs showing its first rows: median ${fmt(median(tableTimes))} ms (first page of 500; the search request itself: median ${fmt(median(searchTimes))} ms)`,
        `End key until all ${fmt(runCount)} runs are in the table (pages of 1,000 loaded on demand): ${fmt(allLoadedMs)} ms`,
        `scrolling the loaded table at 150 px a frame: frame median ${fmt(median(frames.gaps), 1)} ms, p95 ${fmt(percentile(frames.gaps, 95), 1)} ms, at most ${frames.rowsInDom} rows in the DOM`,
      ],
    };
  } finally {
    await browser.close();
    await stack.stop();
  }
}
