#!/usr/bin/env bash
# The launcher's own test (issue 19).  It calls containers/run, so it runs on
# the host, not through containers/run; CI runs it (.ci/run) before the suite.
#
#   tests/launcher.sh
#
# What a command names outside the repository and the current directory is
# read and written on the host, or refused before any work with exit status 2
# and a message naming the argument.  Cases about the root-filesystem sandbox
# are reported SKIPPED (never counted as passed) on the native route, where
# the command runs as it is.  Exits 1 if a case fails, 2 if it cannot run here.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
repo=$PWD
launcher="$repo/containers/run"
me=tests/launcher.sh

if [ -n "${LIANODE_SANDBOX:-}" ]; then
  echo "$me: runs on the host (it calls containers/run itself), not inside the sandbox: run tests/launcher.sh" >&2
  exit 2
fi
route=$("$launcher" --where | sed -n 1p) || { echo "$me: containers/run --where failed" >&2; exit 2; }

# A small deposition study (~10 s): the nine cases on coarse meshes.
study=(python3 -m studies.deposition --sigma-ratios '0.01,100' --min-host-cells 60 --cells-per-penetration-depth 4)

# --- helpers (cases run in subshells; a case prints why it failed) ---------
status=0
launch() {  # launch [VAR=VALUE...] -- ARGS...: containers/run ARGS, output in $scratch/{stdout,stderr}
  local vars=()
  while [ "$1" != -- ]; do vars+=("$1"); shift; done
  shift
  status=0
  env "${vars[@]}" "$launcher" "$@" >"$scratch/stdout" 2>"$scratch/stderr" || status=$?
}
show() { echo "--- stdout (tail)"; tail -n 15 "$scratch/stdout"; echo "--- stderr (tail)"; tail -n 15 "$scratch/stderr"; }
expect() {  # expect WHAT COMMAND...: the case fails with WHAT unless COMMAND succeeds
  "${@:2}" && return 0
  echo "expected $1"; show; return 1
}
cleanup=()  # what the running case created; removed when it ends (run_case)
fresh_dir() {  # fresh_dir PARENT: $dir := a new directory in PARENT, outside the repository
  dir=$(mktemp -d -p "$1" lianode-launcher-test.XXXXXX) || { echo "cannot create a directory in $1"; return 1; }
  cleanup+=("$dir")
  case "$dir" in "$repo"/*) echo "$dir is inside the repository: the case would not test what it must"; return 1 ;; esac
}

# report_complete DIR: the study's report is on the host, whole
report_complete() {
  local out="$1" figure n=0
  expect "$out/report.md on the host" test -s "$out/report.md" || return 1
  expect "$out/report.json on the host" test -s "$out/report.json" || return 1
  expect "report.md to be the deposition report" grep -q '^# Where Li deposits' "$out/report.md" || return 1
  while IFS= read -r figure; do
    expect "$out/$figure (linked from report.md) on the host" test -s "$out/$figure" || return 1
    n=$((n + 1))
  done < <(grep -o '](figures/[^)]*)' "$out/report.md" | sed 's/^](//; s/)$//')
  expect "report.md to link figures" test "$n" -gt 0 || return 1
  expect "no partial output beside $out" test -z "$(find "$(dirname "$out")" -maxdepth 1 -name '.*.partial-*')"
}

# --- cases -----------------------------------------------------------------
# The issue's command: --out in a fresh temporary directory, run from the repository.
case_study_out_in_host_tmp() {
  fresh_dir "${TMPDIR:-/tmp}" || return 1
  launch -- "${study[@]}" --out "$dir/dep-out"
  expect "exit status 0, got $status" test "$status" = 0 || return 1
  expect "the study to report $dir/dep-out/report.md" grep -q "done in .*: $dir/dep-out/report.md" "$scratch/stdout" || return 1
  report_complete "$dir/dep-out"
}

# Outside the repository, the current directory and the temporary directory.
# A fixed name: bwrap creates each mount point inside the cached root
# filesystem, so the cases below leave the same empty directories there on
# every run instead of new ones.
elsewhere=/var/tmp/lianode-launcher-test-$(id -u)

# --out relative to a current directory outside the repository, its parent not
# there yet: the nearest existing directory is mounted and the study creates it.
case_study_out_relative_elsewhere() {
  local name
  mkdir -p "$elsewhere/work" || { echo "cannot create $elsewhere/work"; return 1; }
  name=$(mktemp -u -p "$elsewhere" run.XXXXXX) && name=${name##*/}
  cleanup+=("$elsewhere/$name")
  status=0
  (cd "$elsewhere/work" && launch -- "${study[@]}" --out "../$name/dep-out"; exit "$status") || status=$?
  expect "exit status 0, got $status" test "$status" = 0 || return 1
  report_complete "$elsewhere/$name/dep-out"
}

# Inputs outside the repository are readable: ARG, --opt=ARG, through a symbolic link.
case_inputs_outside_readable() {
  local file link token="parameters-$RANDOM-$$"
  mkdir -p "$elsewhere" || { echo "cannot create $elsewhere"; return 1; }
  file=$(mktemp -p "$elsewhere" params.XXXXXX) || return 1
  link=$(mktemp -u -p "${TMPDIR:-/tmp}" lianode-launcher-link.XXXXXX) || return 1
  cleanup+=("$file" "$link")
  echo "$token" >"$file" && ln -s "$elsewhere" "$link" || return 1
  launch -- cat "$file"
  expect "cat ARG to print the host file, status $status" grep -qx "$token" "$scratch/stdout" || return 1
  launch -- python3 -c 'import sys; print(open(sys.argv[1].split("=", 1)[1]).read())' --params="$file"
  expect "--params=ARG to be read, status $status" grep -qx "$token" "$scratch/stdout" || return 1
  launch -- cat "$link/${file##*/}"
  expect "the file to be read through the link $link, status $status" grep -qx "$token" "$scratch/stdout"
}

# refused REASON ARGUMENT: status 2, the message names ARGUMENT and LIANODE_BIND, nothing ran
refused() {
  expect "exit status 2 ($1), got $status" test "$status" = 2 || return 1
  expect "the message to name '$2'" grep -qF -- "'$2'" "$scratch/stderr" || return 1
  expect "the message to point to LIANODE_BIND" grep -qF LIANODE_BIND "$scratch/stderr" || return 1
  expect "no output from the command (refused before any work)" test ! -s "$scratch/stdout"
}

case_refuses_system_dir() {
  local out=/etc/lianode-launcher-test-$$/out
  launch -- "${study[@]}" --out "$out"
  refused "under the environment's /etc" "--out $out" || return 1
  expect "no $(dirname "$out") on the host" test ! -e "$(dirname "$out")"
}

case_refuses_nothing_above_but_root() {
  local out=/lianode-launcher-test-missing-$$-$RANDOM/out
  expect "$(dirname "$out") not to exist before the case" test ! -e "$(dirname "$out")" || return 1
  launch -- "${study[@]}" --out="$out"
  refused "only / above it" "--out=$out" || return 1
  expect "no $(dirname "$out") on the host" test ! -e "$(dirname "$out")"
}

case_refuses_missing_lianode_bind() {
  local missing=/lianode-launcher-test-missing-$$-$RANDOM
  launch LIANODE_BIND="$missing" -- true
  expect "exit status 2, got $status" test "$status" = 2 || return 1
  expect "the message to name '$missing'" grep -qF -- "'$missing'" "$scratch/stderr"
}

# --- run -------------------------------------------------------------------
passed=0 failed=0 skipped=0
run_case() {  # run_case NAME [rootfs]
  local name="$1" needs="${2:-}" start=$SECONDS report
  if [ "$needs" = rootfs ] && [ "$route" != rootfs ]; then
    echo "$me::$name SKIPPED (the $route route runs the command as it is; nothing is mounted or refused)"
    skipped=$((skipped + 1)); return
  fi
  scratch=$(mktemp -d) || { echo "$me: cannot create a scratch directory" >&2; exit 2; }
  if report=$(trap 'rm -rf "${cleanup[@]}"' EXIT; "case_$name" 2>&1); then
    echo "$me::$name PASSED ($((SECONDS - start)) s)"; passed=$((passed + 1))
  else
    echo "$me::$name FAILED ($((SECONDS - start)) s)"; printf '%s\n' "$report" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
  rm -rf "$scratch"
}

echo "== launcher on the host (route: $route)"
run_case study_out_in_host_tmp
run_case study_out_relative_elsewhere
run_case inputs_outside_readable
run_case refuses_system_dir rootfs
run_case refuses_nothing_above_but_root rootfs
run_case refuses_missing_lianode_bind rootfs
rmdir "$elsewhere/work" "$elsewhere" 2>/dev/null
echo "== $passed passed, $skipped skipped, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
