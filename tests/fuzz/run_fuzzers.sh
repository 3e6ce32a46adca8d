#!/usr/bin/env bash
# run_fuzzers.sh — runs the libFuzzer targets of the fuzz build (make fuzz, make fuzz-ci)
# one after the other, each for a fixed time, and fails when any of them finds something.
#
# Usage: tests/fuzz/run_fuzzers.sh [options] [TARGET...]     (default: every target)
#   --build DIR      the fuzz build directory (cmake -DFAULTLINE_FUZZ=ON)   default build-fuzz
#   --seconds N      how long each target runs at most                      default 300
#   --runs N         stop a target after N executions, if that comes first (default: no limit)
#   --summary FILE   also write the results as a markdown table to FILE
#   -h, --help
#
# Each target starts from its committed seeds (tests/fuzz/corpus/NAME) and regressions,
# and keeps what it learns in DIR/fuzz-corpus/NAME, so a later run goes on from there.
# A finding (crash, broken property, leak, an input taking > 25 s, memory > 2 GiB) is written to
# DIR/fuzz-findings/NAME/; the script prints how to replay it. Every finding, once fixed,
# becomes a file in tests/fuzz/regressions/NAME/ (ctest replays those).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$ROOT/build-fuzz"
SECONDS_EACH=300
RUNS=-1
SUMMARY=""
TARGETS=()
ALL_TARGETS=(config_loader scenario_loader response_parser header_control admin_api
             request_framing upstream_response http_message toxiproxy_api)

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --summary) SUMMARY=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "run_fuzzers: unknown option $1 (try --help)" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
[[ $SECONDS_EACH =~ ^[0-9]+$ && $SECONDS_EACH -ge 1 ]] || { echo "run_fuzzers: --seconds needs a positive integer" >&2; exit 2; }
[[ $RUNS =~ ^(-1|[0-9]+)$ ]] || { echo "run_fuzzers: --runs needs a positive integer" >&2; exit 2; }
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${ALL_TARGETS[@]}")

dictionary_of() {
  case $1 in
    config_loader|scenario_loader) echo toml ;;
    header_control) echo header_control ;;
    admin_api) echo admin_api ;;
    toxiproxy_api) echo toxiproxy_api ;;
    *) echo http ;;
  esac
}

FUZZ_DIR="$ROOT/tests/fuzz"
rows=()
failed=0
for name in "${TARGETS[@]}"; do
  binary="$BUILD/tests/fuzz/fuzz_$name"
  [[ -x $binary ]] || { echo "run_fuzzers: no $binary (build the fuzz build first: make fuzz-build)" >&2; exit 2; }
  work="$BUILD/fuzz-corpus/$name"
  findings="$BUILD/fuzz-findings/$name"
  mkdir -p "$work" "$findings"
  seeds=("$FUZZ_DIR/corpus/$name")
  [[ -d $FUZZ_DIR/regressions/$name ]] && seeds+=("$FUZZ_DIR/regressions/$name")
  log="$BUILD/fuzz-findings/$name.log"
  command=("$binary" -max_total_time="$SECONDS_EACH" -runs="$RUNS" -timeout=25 -rss_limit_mb=2048
           -print_final_stats=1 -artifact_prefix="$findings/"
           -dict="$FUZZ_DIR/dictionaries/$(dictionary_of "$name").dict" "$work" "${seeds[@]}")
  echo "run_fuzzers: $name for ${SECONDS_EACH}s: ${command[*]}" >&2
  status=0
  started=$(date +%s)
  # The hard limit only guards against a run that would not stop by itself.
  timeout --kill-after=30 $((SECONDS_EACH + 600)) "${command[@]}" >"$log" 2>&1 || status=$?
  took=$(( $(date +%s) - started ))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  seconds=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$work" -type f | wc -l)
  if [[ $status -eq 0 ]]; then
    result="no finding"
  elif [[ $status -ge 124 ]] && grep -q '^Done [0-9]* runs' "$log" && ! grep -q 'Test unit written' "$log"; then
    # The run finished and was stopped while exiting (LeakSanitizer's final scan of a big
    # heap can take minutes on a starved machine): no input was found to fail.
    result="no finding (stopped while exiting)"
  else
    failed=1
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    result="FINDING (exit $status)${artifact:+: $artifact}"
    grep -E 'fuzz property broken|ERROR: |runtime error|SUMMARY' "$log" | head -5 >&2 || true
    [[ -n $artifact ]] && echo "run_fuzzers: replay it with: $binary $artifact" >&2
  fi
  echo "run_fuzzers: $name: ${executions:-?} executions in ${took}s (${seconds:-?}/s), corpus $corpus, $result" >&2
  rows+=("| $name | $took | ${executions:-?} | ${seconds:-?} | $corpus | $result |")
done

table="| target | seconds | executions | executions/s | corpus files | result |
| --- | ---: | ---: | ---: | ---: | --- |"
for row in "${rows[@]}"; do table+=$'\n'"$row"; done
echo "$table"
if [[ -n $SUMMARY ]]; then echo "$table" >"$SUMMARY"; fi
exit $failed
