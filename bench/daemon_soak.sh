#!/usr/bin/env bash
# Daemon soak (issue #17): 200 sources on 1 s schedules against a local nginx site for a while
# (default 600 s: about 100,000 scans when the machine keeps up), sampling the daemon's RSS, open
# file descriptors and store size every 10 s. Prints the samples and the end-of-run comparison
# with the first minute, as single samples and as the means of the second and the last minute:
# RSS and fds should stay flat (RSS within 10%), the store bounded by [store] manifest_history
# and scans_per_source. Everything runs on 127.0.0.1.
#
#   bench/daemon_soak.sh [BUILD_DIR] [SECONDS] [SOURCES]     (default: build 600 200)
#
# Environment: HEAPTRACK_OUT=FILE runs the daemon under heaptrack (profile in FILE.zst);
# SCANS_PER_SOURCE (50) and MANIFEST_HISTORY (10), the [store] retention; the store
# (and with it RocksDB's memtables and block cache) reaches its steady size once every source has
# that many scans, so compare the first minute with the end only past that point.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build=${1:-build}
seconds=${2:-600}
sources=${3:-200}
bin=$PWD/$build/cli/leakwatch
work=$(mktemp -d /tmp/leakwatch-soak-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# The site: one folder per source with a few files; one of them is a signed dataset file.
python3 - "$work" "$sources" <<'PY'
import os, sys
work, n = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(work, "dataset"))
secret = os.urandom(4096)
open(os.path.join(work, "dataset", "plates.bin"), "wb").write(secret)
for i in range(n):
    d = os.path.join(work, "site", "s%03d" % i)
    os.makedirs(d)
    for f in range(20):
        open(os.path.join(d, "file_%02d.jpg" % f), "wb").write(b"x" * (100 + f))
    if i % 10 == 0:
        open(os.path.join(d, "plates.bin"), "wb").write(secret)
PY
site_port=$(free_port)
api_port=$(free_port)
start_nginx "$work" "$site_port" "server { listen 127.0.0.1:$site_port; root $work/site; location / { autoindex on; } }" 4096

token=soak-token-0123456789abcdef
{
  echo "data_dir = \"data\""
  echo "[store]"
  echo "manifest_history = ${MANIFEST_HISTORY:-10}"
  echo "scans_per_source = ${SCANS_PER_SOURCE:-50}"
  echo "[api]"
  echo "listen = \"127.0.0.1:$api_port\""
  echo "tokens = [\"$token\"]"
  echo "[daemon]"
  echo "max_concurrent_sources = 64"
  for i in $(seq 0 $((sources - 1))); do
    printf '[[source]]\nname = "s%03d"\nurl = "http://127.0.0.1:%s/s%03d/"\nschedule = "1s"\n' \
      "$i" "$site_port" "$i"
  done
} >"$work/leakwatch.toml"
"$bin" -q --config "$work/leakwatch.toml" sign --dataset plates "$work/dataset" >/dev/null

if [[ -n ${HEAPTRACK_OUT:-} ]]; then
  # Under heaptrack: every allocation recorded (the daemon runs several times slower), the
  # profile written to HEAPTRACK_OUT.zst when it exits; heaptrack_print reads it.
  heaptrack -o "$HEAPTRACK_OUT" "$bin" -q --config "$work/leakwatch.toml" daemon \
    >"$work/daemon.out" 2>"$work/daemon.log" &
  launcher=$!
  for _ in $(seq 100); do
    pid=$(pgrep -n -f -- "$bin -q --config $work/leakwatch.toml daemon" || true)
    [[ -n $pid && $pid != "$launcher" && -r /proc/$pid/status ]] && grep -q leakwatch "/proc/$pid/comm" && break
    sleep 0.1
  done
else
  "$bin" -q --config "$work/leakwatch.toml" daemon >"$work/daemon.out" 2>"$work/daemon.log" &
  pid=$!
fi
for _ in $(seq 100); do curl -s "http://127.0.0.1:$api_port/healthz" >/dev/null && break; sleep 0.1; done

# From /metrics: scans so far, and the store's memtables and block cache in KiB (RocksDB's own
# accounting: RSS less these is what the daemon holds besides the store's bounded buffers).
from_metrics() {
  curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$api_port/metrics" |
    awk '/^leakwatch_scans_total/ {s += $2}
         /^leakwatch_store_memory_bytes\{part="memtables"\}/ {m = $2}
         /^leakwatch_store_memory_bytes\{part="block_cache"\}/ {c = $2}
         END {printf "%d %d %d", s, m / 1024, c / 1024}'
}
sample() {
  local rss fds store
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  store=$(du -sk "$work/data/db" | cut -f1)
  read -r scans memtables cache <<<"$(from_metrics)"
  echo "$1 $rss $fds $store $scans $memtables $cache $((rss - memtables - cache))"
}
echo "t_s rss_kib fds store_kib scans memtables_kib block_cache_kib rss_less_store_kib"
start=$(date +%s)
first=""
while true; do
  now=$(($(date +%s) - start))
  line=$(sample "$now")
  echo "$line" | tee -a "$work/samples"
  if [[ -z "$first" && $now -ge 60 ]]; then first=$line; fi
  if ((now >= seconds)); then break; fi
  sleep 10
done
kill -TERM "$pid"
if [[ -n ${HEAPTRACK_OUT:-} ]]; then
  wait "$launcher" && echo "daemon exited 0" || echo "daemon exited $?"
else
  wait "$pid" && echo "daemon exited 0" || echo "daemon exited $?"
fi
read -r _ rss1 fds1 store1 scans1 mem1 cache1 rest1 <<<"$first"
read -r _ rss2 fds2 store2 scans2 mem2 cache2 rest2 <<<"$line"
echo "after 1 min: rss ${rss1} KiB, fds $fds1, store ${store1} KiB, scans $scans1, memtables ${mem1} KiB, block cache ${cache1} KiB"
echo "at the end:  rss ${rss2} KiB, fds $fds2, store ${store2} KiB, scans $scans2, memtables ${mem2} KiB, block cache ${cache2} KiB"
awk -v a="$rss1" -v b="$rss2" 'BEGIN {printf "rss change: %+.1f%%\n", (b - a) * 100 / a}'
awk -v a="$rest1" -v b="$rest2" 'BEGIN {printf "rss less the store'"'"'s memtables and cache: %+.1f%%\n", (b - a) * 100 / a}'
# RSS swings by several MiB between samples 10 s apart as memtables fill and flush, so two single
# samples say less than the means around them: the second minute against the last.
awk -v end="$now" '$1 >= 60 && $1 < 120 {a += $2; na++} $1 >= end - 60 {b += $2; nb++}
  END {if (na && nb) printf "rss mean over the second minute %.1f MiB, over the last minute %.1f MiB: %+.1f%%\n",
       a / na / 1024, b / nb / 1024, (b / nb / (a / na) - 1) * 100}' "$work/samples"
