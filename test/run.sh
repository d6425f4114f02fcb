#!/usr/bin/env bash
# The test suite in two passes: every file that is not a whole-line run, two at a time (each on its own free ports);
# then the whole-line tests and the CI scenarios one at a time, since each runs a simulated line that must not
# compete with another on a 2-core machine. Both passes always run; the exit status is failure if either failed.
set -u
cd "$(dirname "$0")/.."
mapfile -t unit < <(find test -name '*.test.ts' -not -path 'test/e2e/*' -not -name 'scenarios.test.ts' | sort)
mapfile -t whole < <(find test/e2e -name '*.test.ts' | sort; echo test/sim/scenarios.test.ts)
status=0
npx tap --jobs=2 "${unit[@]}" || status=1
npx tap --jobs=1 "${whole[@]}" || status=1
exit "$status"
