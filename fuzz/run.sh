#!/usr/bin/env bash
# Runs every fuzzer of a RINGMASTER_FUZZ=ON build for FUZZ_SECONDS each, one
# after the other (no -jobs: the machine has two cores), on a scratch copy of
# fuzz/corpus/<target> so the tree is never modified. Crash, leak, timeout and
# out-of-memory inputs land in BUILD/fuzz-artifacts/<target>/. Exits 1 if any
# target failed.
# Usage: fuzz/run.sh BUILD_DIR   (env: FUZZ_SECONDS, default 60)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:?usage: fuzz/run.sh BUILD_DIR}" && pwd)"
seconds="${FUZZ_SECONDS:-60}"
work="$build/fuzz-run"
failed=()
rm -rf "$work"
for corpus in "$root"/fuzz/corpus/*/; do
  target="$(basename "$corpus")"
  bin="$build/fuzz/${target}_fuzzer"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is missing (build the 'fuzzers' target)" >&2
    failed+=("$target")
    continue
  fi
  mkdir -p "$work/$target" "$build/fuzz-artifacts/$target"
  cp -r "$corpus." "$work/$target/corpus"
  log="$work/$target/log"
  echo "fuzz: $target for ${seconds}s"
  # -rss_limit_mb bounds each target's memory; -timeout flags a slow input.
  if "$bin" "$work/$target/corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=25 \
      -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$target/" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$log" | tail -1
  else
    echo "fuzz: $target FAILED; the end of $log:" >&2
    tail -40 "$log" >&2
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]} (inputs in $build/fuzz-artifacts/)" >&2
  exit 1
fi
echo "fuzz: all targets ran ${seconds}s without a crash"
