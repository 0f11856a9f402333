#!/usr/bin/env bash
# Run the pytest suite with the system clock moved away from the tests' fixed date (2026-11-22):
# a year ahead of today, and to a day well before it. Every stored time comes from the injected
# clock, so the suite must pass whatever the system date is; a test that fails only here has found
# something that still reads the system time.
#
#   scripts/test-other-dates.sh                    both dates, whole suite
#   scripts/test-other-dates.sh '@2031-03-15 09:00:00'  the dates given (faketime -f specs)
#   PYTEST_ARGS='-m "not postgres" tests/test_outbox.py' scripts/test-other-dates.sh
#
# Needs libfaketime (Debian: apt-get install faketime; `make test-clock` installs it as root). This
# script installs nothing: without faketime it says so and exits 0. LINLI_TEST_PG_URL and CI pass
# through unchanged.
#
# What libfaketime is told, and why:
# - FAKETIME_DONT_FAKE_MONOTONIC=1: only the wall clock moves. asyncio's loop clock, timeouts in
#   asyncpg and aiosqlite's thread waits all use the monotonic clock and stay real.
# - the date is set once at start and then runs at normal speed ('@...' and '+365d' specs), so
#   sleeps and timeouts measured on the wall clock still behave.
# - Python's time.sleep fails with EINVAL under libfaketime 0.9.10 with the monotonic clock left
#   real; scripts/faketime_sleep.py (a pytest plugin, loaded here) sleeps another way.
# - only the test process is faked: PostgreSQL's server clock is real. That is fine while the product
#   never uses the database's now(); a test that passes on SQLite and fails on PostgreSQL here
#   would point at such a use.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v faketime >/dev/null 2>&1; then
  echo "faketime (libfaketime) is not installed: the suite was NOT run at other dates." >&2
  echo "Install it (Debian/Ubuntu: apt-get install faketime) or run \`make test-clock\` as root." >&2
  exit 0
fi

PYTEST=${PYTEST:-.venv/bin/pytest}
if [ "$#" -gt 0 ]; then
  specs=("$@")
else
  specs=("+365d" "@2025-06-01 12:00:00")
fi

export FAKETIME_DONT_FAKE_MONOTONIC=1
# scripts/faketime_sleep.py: a pytest plugin that mends time.sleep where libfaketime breaks it.
export PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"
status=0
summary=()
for spec in "${specs[@]}"; do
  shown=$(faketime -f "$spec" date -u '+%Y-%m-%d %H:%M UTC')
  echo "== pytest with the system clock at $shown (faketime -f '$spec') =="
  log=$(mktemp)
  # -p no:cacheprovider: runs at a fake date leave no cache behind for the normal runs.
  # shellcheck disable=SC2086
  eval faketime -f "'$spec'" "$PYTEST" -q -p no:cacheprovider -p faketime_sleep ${PYTEST_ARGS:-} 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  last=$(grep -E '(passed|failed|error|skipped|no tests ran)' "$log" | tail -n1)
  rm -f "$log"
  summary+=("$shown: ${last:-no result line} (exit $rc)")
  [ "$rc" -eq 0 ] || status=1
done

echo "== summary =="
printf '%s\n' "${summary[@]}"
exit "$status"
