#!/usr/bin/env bash
# Runs the ringmaster benchmarks against the binaries of one build tree.
#
#   bench/run.sh BUILD_DIR [bench_spawn options...]
#
# Needs BUILD_DIR/daemon/ringmasterd, BUILD_DIR/ctl/ringctl and
# BUILD_DIR/bench/{bench_worker,bench_spawn,bench_control,bench_storm,
# bench_http,bench_http_conns} (cmake --build BUILD_DIR --target ringmasterd
# ringctl bench_worker bench_spawn bench_control bench_storm bench_http
# bench_http_conns). Extra options go to bench_spawn (e.g. --kills 20); the
# others run with their defaults. Each bench prints a table and one
# "BENCH_JSON {...}" line; the exit status is non-zero if any bench failed or
# reported a problem (bench_http_conns' missed targets are not problems: it
# lists them as "TARGET MISSED:" lines).
set -uo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: bench/run.sh BUILD_DIR [bench_spawn options...]" >&2
  exit 2
fi
build=$1
shift

missing=0
for f in daemon/ringmasterd ctl/ringctl bench/bench_worker bench/bench_spawn bench/bench_control \
  bench/bench_storm bench/bench_http bench/bench_http_conns bench/bench_upgrade; do
  if [[ ! -x "$build/$f" ]]; then
    echo "run.sh: $build/$f is missing; build it with:" >&2
    echo "  cmake --build $build --target ringmasterd ringctl bench_worker bench_spawn bench_control" \
      "bench_storm bench_http bench_http_conns bench_upgrade" >&2
    missing=1
  fi
done
[[ $missing -eq 0 ]] || exit 1

# Benchmarks of an unoptimised build mostly measure -O0 code: say so loudly.
if [[ -f "$build/CMakeCache.txt" ]]; then
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
  case "$build_type" in
    Release | RelWithDebInfo | MinSizeRel) ;;
    *)
      echo "WARNING: $build has CMAKE_BUILD_TYPE='$build_type' (not optimised); ringmasterd's"
      echo "         figures will be pessimistic. Configure with -DCMAKE_BUILD_TYPE=Release to quote them."
      echo
      ;;
  esac
fi

status=0

# One bench: bounded by a wall-clock limit; SIGINT first so the harness can
# kill everything it started, SIGKILL 10 s later as a last resort.
run_bench() {
  local name=$1 limit=$2
  shift 2
  echo "== $name"
  timeout --signal=INT --kill-after=10 "$limit" "$@"
  local rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "run.sh: bench '$name' failed (exit $rc)" >&2
    status=1
  fi
  echo
}

run_bench "startup / respawn / idle: ringmasterd vs fork/exec baseline" 110 \
  "$build/bench/bench_spawn" --daemon "$build/daemon/ringmasterd" \
  --worker "$build/bench/bench_worker" "$@"

run_bench "control round trips (status, list, stats, ringctl): ringmasterd vs ZeroMQ echo" 60 \
  "$build/bench/bench_control" --daemon "$build/daemon/ringmasterd" \
  --ctl "$build/ctl/ringctl" --worker "$build/bench/bench_worker"

run_bench "crash storm, respawn under a ZeroMQ read flood, memory: ringmasterd vs fork/exec loop" 90 \
  "$build/bench/bench_storm" --daemon "$build/daemon/ringmasterd" \
  --ctl "$build/ctl/ringctl" --worker "$build/bench/bench_worker"

run_bench "HTTP endpoint under load (/healthz, /api/status) and respawn under load: ringmasterd vs httplib baseline" 90 \
  "$build/bench/bench_http" --daemon "$build/daemon/ringmasterd" --worker "$build/bench/bench_worker"

run_bench "HTTP endpoint under 11k idle/slowloris connections and 50 keep-alive clients: figures vs targets" 120 \
  "$build/bench/bench_http_conns" --daemon "$build/daemon/ringmasterd" --worker "$build/bench/bench_worker"

run_bench "in-place upgrade with 1,000 workers: command -> new image answering, respawn right after" 60 \
  "$build/bench/bench_upgrade" --daemon "$build/daemon/ringmasterd" --worker "$build/bench/bench_worker"

exit $status
