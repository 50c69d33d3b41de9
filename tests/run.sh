#!/usr/bin/env bash
# The test command (README and .ci/run call this through containers/run):
# the suite serially, then again on 2 MPI ranks (tests marked serial
# excluded).  Options, before any pytest arguments:
#   --slow         the long verification tests instead of the default suite
#   --serial-only  skip the 2-rank run (CI's second stack, to fit its time)
# Fails if any test fails or if a run collects no test.
set -euo pipefail
cd "$(dirname "$0")/.."

marker="not slow"
ranks=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --slow) marker="slow"; shift ;;
    --serial-only) ranks=no; shift ;;
    *) break ;;
  esac
done

run_pytest() {  # pytest exits 5 when nothing ran: that is a failure here
  local status=0
  "$@" || status=$?
  [ "$status" -eq 5 ] && echo "no test ran: $*" >&2
  return "$status"
}

echo "== serial: pytest -m '$marker'"
run_pytest python3 -m pytest -m "$marker" "$@"
[ "$ranks" = yes ] || { echo "== 2 MPI ranks: skipped (--serial-only)"; exit 0; }
echo "== 2 MPI ranks: pytest -m '$marker and not serial'"
run_pytest mpirun -n 2 python3 -m pytest -q --color=no -m "$marker and not serial" "$@"
