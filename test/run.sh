#!/usr/bin/env bash
# The README's test command (`npm test`): typecheck, lint, every vitest suite against the real
# emulators, then one plain closing line that CI reads: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
export NO_COLOR=1 NEXT_TELEMETRY_DISABLED=1 CDK_DISABLE_CLI_TELEMETRY=true
failed_steps=()

echo "== typecheck"
npx tsc --noEmit -p tsconfig.json || failed_steps+=(typecheck)
echo "== lint"
npx biome lint . || failed_steps+=(lint)

echo "== tests"
rm -f .vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.vitest.json || failed_steps+=(vitest)

summary=$(node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, skipped = 0;
  if (fs.existsSync(".vitest.json")) {
    const r = JSON.parse(fs.readFileSync(".vitest.json", "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
    // A suite that failed to load counts as a failure even though it ran no test.
    failed += r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  } else { failed += 1; }
  const extra = Number(process.argv[1] || 0);
  console.log(`${passed} passed, ${failed + extra} failed, ${skipped} skipped`);
' "${#failed_steps[@]}")
echo "$summary" > .test-summary
if [ ${#failed_steps[@]} -gt 0 ]; then echo "failed steps: ${failed_steps[*]}"; fi
echo "$summary"
[ ${#failed_steps[@]} -eq 0 ]
