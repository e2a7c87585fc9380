#!/usr/bin/env bash
# One pass over N onion sources on 1, 2 and 4 cluster workers (issue #19), through a proxy with
# Tor-like latency, each worker capped as one Tor client would be (--jobs, its own proxy).
#
#   bench/cluster_pass.sh [BUILD_DIR] [SITES] [JOBS_PER_WORKER]   (defaults: build 2000 16)
#
# Everything on 127.0.0.1: bench/gen_onion_sites.py writes the sites, one nginx serves them by
# Host name, bench/latency_proxy.py (one per worker: its own "Tor client") maps every .onion
# name to nginx and adds CONNECT_DELAY (0.3 s) per stream and FIRST_BYTE_DELAY (0.1 s) per
# answer; one nats-server with JetStream carries the jobs. For each worker count: a fresh data
# directory and streams, the coordinator (`leakwatch daemon` with [cluster]) and the workers are
# started, and the pass time is from the coordinator's start until it has recorded a result for
# every source (counted from its log, so the counting costs it nothing; the API confirms the
# scan records afterwards). Prints the pass time, the speed-up over one worker, and the coordinator's CPU time
# (utime + stime from /proc/PID/stat) per 1,000 results: in all, and from the moment its API
# answers (start-up, signature loading and stream creation left out) to the last record.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build=${1:-build}
sites=${2:-2000}
jobs=${3:-16}
connect_delay=${CONNECT_DELAY:-0.3}
first_byte_delay=${FIRST_BYTE_DELAY:-0.1}
bin=$PWD/$build/cli/leakwatch
work=$(mktemp -d /tmp/leakwatch-cluster-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; [[ -n ${KEEP:-} ]] || rm -rf "$work"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

python3 bench/gen_onion_sites.py "$work" --sites "$sites" --match-every 100 >/dev/null
site_port=$(free_port)
start_nginx "$work" "$site_port" "$(onion_servers "$work" "$site_port")" 8192

nats_port=$(free_port)
mkdir -p "$work/nats"
printf 'listen: 127.0.0.1:%s\njetstream { store_dir: "%s/nats" }\n' "$nats_port" "$work" >"$work/nats.conf"
nats-server -c "$work/nats.conf" >"$work/nats.log" 2>&1 &
wait_port "$nats_port"
token=bench-cluster-token-0123456789

one=""
for workers in 1 2 4; do
  run=$work/run$workers
  mkdir -p "$run"
  api_port=$(free_port)
  cluster="[cluster]
servers = [\"nats://127.0.0.1:$nats_port\"]
name = \"bench$workers\"
ack_wait = \"60s\""
  # The coordinator: the generated sources (proxy "lat"), signatures, the API to count scans.
  { echo "data_dir = \"$run/data\""
    grep -v '^data_dir' "$work/leakwatch.toml"
    printf '[api]\nlisten = "127.0.0.1:%s"\ntokens = ["%s"]\n[daemon]\nmax_concurrent_sources = 4096\n%s\n' \
      "$api_port" "$token" "$cluster"; } >"$run/coordinator.toml"
  "$bin" -q --config "$run/coordinator.toml" sign --dataset bench-plates "$work/dataset" >/dev/null
  start=$(date +%s.%N)
  "$bin" --config "$run/coordinator.toml" daemon >"$run/coordinator.log" 2>&1 &
  coordinator=$!
  # The coordinator's CPU once it serves (signatures loaded, streams made): the pass's share is
  # what it spends after this.
  wait_port "$api_port"
  read -r utime0 stime0 < <(awk '{print $14, $15}' "/proc/$coordinator/stat")
  for w in $(seq "$workers"); do
    python3 bench/latency_proxy.py --target "127.0.0.1:$site_port" --connect-delay "$connect_delay" \
      --first-byte-delay "$first_byte_delay" --stats "$run/proxy$w.stats" >"$run/proxy$w.port" &
    for _ in $(seq 100); do [[ -s $run/proxy$w.port ]] && break; sleep 0.1; done
    proxy_port=$(awk '{print $2}' "$run/proxy$w.port")
    printf '[[proxy]]\nname = "lat"\nurl = "socks5h://127.0.0.1:%s"\n%s\n' "$proxy_port" "$cluster" >"$run/worker$w.toml"
    "$bin" -q --config "$run/worker$w.toml" worker --name "w$w" --jobs "$jobs" >"$run/worker$w.log" 2>&1 &
  done
  # Results recorded, counted from the coordinator's log (one "recorded status=" line each),
  # so the count costs the coordinator nothing; the API confirms the scan records at the end.
  while (( $(grep -c ' recorded status=' "$run/coordinator.log" || true) < sites )); do
    sleep 0.2
  done
  secs=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
  read -r utime stime < <(awk '{print $14, $15}' "/proc/$coordinator/stat")
  count=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$api_port/v1/scans?limit=10000" |
    python3 -c 'import json,sys
print(len({s["source"] for s in json.load(sys.stdin)["scans"]}))')
  [[ $count -ge $sites ]] || { echo "only $count of $sites sources have a scan record" >&2; exit 1; }
  cpu=$(python3 -c "import os; print(round(($utime + $stime) / os.sysconf('SC_CLK_TCK') * 1000 / $sites, 2))")
  pass_cpu=$(python3 -c "import os; print(round(($utime + $stime - $utime0 - $stime0) / os.sysconf('SC_CLK_TCK') * 1000 / $sites, 2))")
  [[ -z $one ]] && one=$secs
  echo "workers=$workers jobs_per_worker=$jobs sources=$sites pass=${secs}s speedup=$(python3 -c "print(round($one / $secs, 2))") coordinator_cpu_per_1000_results=${cpu}s coordinator_pass_cpu_per_1000_results=${pass_cpu}s (utime=$((utime - utime0)) stime=$((stime - stime0)) ticks)"
  kill "$coordinator" $(jobs -p | grep -v "^$coordinator\$" | tail -n $((2 * workers))) 2>/dev/null || true
  wait "$coordinator" 2>/dev/null || true
done
