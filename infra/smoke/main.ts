// `npm run smoke -- --stack <name>`: the first-deploy smoke test, against your own AWS account.
import { parseSmokeArgs, smokeUsage, UsageError } from './args.ts';
import { describePlan, notChecked } from './plan.ts';
import { runSmoke } from './run.ts';

try {
  const options = parseSmokeArgs(process.argv.slice(2), process.env);
  if (options.planOnly) {
    console.log(describePlan());
  } else {
    console.log(`Smoke test of stack ${options.stack} in ${options.region}`);
    const ok = await runSmoke(options, ({ id, ok, detail }) =>
      console.log(`${ok ? 'PASS' : 'FAIL'} ${id.padEnd(10)} ${detail}`),
    );
    console.log(`\nNot checked by this test: ${notChecked.join('; ')}.`);
    process.exitCode = ok ? 0 : 1;
  }
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  if (error.message) console.error(`${error.message}\n`);
  console.error(smokeUsage);
  process.exitCode = 2;
}
