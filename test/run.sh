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

echo "== dashboard build"
rm -rf web/out   # a failed build must not leave an old dashboard behind
npm run build -w web || failed_steps+=(web-build)

echo "== tests"
rm -f .vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.vitest.json || failed_steps+=(vitest)

echo "== python client"
py_log=$(mktemp)
timeout 600 python3 -m unittest discover -s sdk/python/tests -v 2>&1 | tee "$py_log"
py_ran=$(sed -n 's/^Ran \([0-9][0-9]*\) tests\{0,1\} in .*/\1/p' "$py_log" | tail -n 1)
py_result=$(grep -E '^(OK|FAILED)' "$py_log" | tail -n 1)
py_count() { local n; n=$(echo "$py_result" | grep -o "$1=[0-9]*" | cut -d= -f2); echo "${n:-0}"; }
py_failed=$(( $(py_count failures) + $(py_count errors) ))
py_skipped=$(py_count skipped)
py_passed=$(( ${py_ran:-0} - py_failed - py_skipped ))
# No closing line: the suite did not load or did not finish.
[ -n "$py_result" ] || py_failed=$((py_failed + 1))
[ "$py_failed" -eq 0 ] || failed_steps+=(python)
rm -f "$py_log"
export PY_PASSED=$py_passed PY_FAILED=$py_failed PY_SKIPPED=$py_skipped

summary=$(node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, skipped = 0;
  if (fs.existsSync(".vitest.json")) {
    const r = JSON.parse(fs.readFileSync(".vitest.json", "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
    // A suite that failed to load counts as a failure even though it ran no test.
    failed += r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  } else { failed += 1; }
  passed += Number(process.env.PY_PASSED || 0); failed += Number(process.env.PY_FAILED || 0);
  skipped += Number(process.env.PY_SKIPPED || 0);
  const extra = Number(process.argv[1] || 0);
  console.log(`${passed} passed, ${failed + extra} failed, ${skipped} skipped`);
' "${#failed_steps[@]}")
echo "$summary" > .test-summary
if [ ${#failed_steps[@]} -gt 0 ]; then echo "failed steps: ${failed_steps[*]}"; fi
echo "$summary"
[ ${#failed_steps[@]} -eq 0 ]
