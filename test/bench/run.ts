// `npm run bench [name…]`: runs the benchmarks (all, or those named) and prints their figures.
// Figures come from one run on a shared machine: quote medians and ratios, not single timings.
import { costBench } from './cost.ts';
import { dashboardBench } from './dashboard.ts';
import { functionsBench } from './functions.ts';
import { historyBench } from './history.ts';
import { ingestBench, logOverheadBench } from './ingest.ts';
import { searchBench } from './search.ts';
import { stopBenchStack } from './stack.ts';
import { transfersBench } from './transfers.ts';

type Bench = () => Promise<{ name: string; lines: string[] }>;

const benches: Record<string, Bench> = {
  'log-overhead': () => logOverheadBench(),
  ingest: () => ingestBench(),
  cost: costBench,
  search: () => searchBench(),
  history: () => historyBench(),
  transfers: transfersBench,
  dashboard: () => dashboardBench(),
  functions: () => functionsBench(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
process.env.CAIRN_QUIET = '1';
for (const [name, bench] of Object.entries(benches)) {
  if (wanted.length && !wanted.includes(name)) continue;
  const started = performance.now();
  const result = await bench();
  console.log(`\n== ${result.name}  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  for (const line of result.lines) console.log(`   ${line}`);
}
await stopBenchStack();
process.exit(0);
