#!/usr/bin/env bash
# One pass over thousands of onion sources through a proxy with Tor-like latency (issue #18),
# with leakwatch and with Scrapy in the same run, plus a reference scan without delays.
#
#   bench/scale_pass.sh [BUILD_DIR] [SITES] [IN_FLIGHT]     (defaults: build 10000 256)
#
# Environment: CONNECT_DELAY (0.3 s) and FIRST_BYTE_DELAY (0.1 s) per stream and per answer;
# SKIP_REFERENCE=1 skips the one-source-at-a-time reference scan (no delays, --jobs 1);
# SKIP_SCRAPY=1 skips Scrapy; LEAKWATCH_SCAN_ARGS adds options to the timed `leakwatch scan`.
#
# Everything runs on 127.0.0.1: bench/gen_onion_sites.py writes the sites, one nginx serves
# them all by Host name (as virtual hosts), bench/latency_proxy.py maps every .onion name to
# it and adds the delays (SOCKS5 for leakwatch, HTTP proxy for Scrapy, which has no SOCKS).
# Prints the pass time against the latency bound (requests x per-request latency / in-flight
# cap), peak RSS, and whether the sightings equal the reference scan's.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build=${1:-build}
sites=${2:-10000}
cap=${3:-256}
connect_delay=${CONNECT_DELAY:-0.3}
first_byte_delay=${FIRST_BYTE_DELAY:-0.1}
./deploy/install-deps.sh --bench
bin=$PWD/$build/cli/leakwatch
work=$(mktemp -d /tmp/leakwatch-scale-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; [[ -n ${KEEP:-} ]] || rm -rf "$work"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

echo "== generating $sites sites in $work"
python3 bench/gen_onion_sites.py "$work" --sites "$sites" --match-every 100

site_port=$(free_port)
start_nginx "$work" "$site_port" "$(onion_servers "$work" "$site_port")" 8192 "$work/nginx/access.log"

start_proxy() {  # NAME CONNECT_DELAY FIRST_BYTE_DELAY -> sets proxy_port
  python3 bench/latency_proxy.py --target "127.0.0.1:$site_port" --connect-delay "$2" \
    --first-byte-delay "$3" --stats "$work/$1.stats" >"$work/$1.port" &
  proxy_pid=$!
  for _ in $(seq 100); do
    [[ -s $work/$1.port ]] && break
    sleep 0.1
  done
  proxy_port=$(awk '{print $2}' "$work/$1.port")
}
stats() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[sys.argv[2]])' "$@"; }
requests() { wc -l <"$work/nginx/access.log"; }
cpu_secs() {  # PID: user + system CPU seconds so far
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$1/stat"
}

start_proxy slow "$connect_delay" "$first_byte_delay"
slow_port=$proxy_port
slow_pid=$proxy_pid
start_proxy fast 0 0
fast_port=$proxy_port

python3 -c 'import json,sys; print("\n".join(sorted(json.load(open(sys.argv[1]))["matching_sites"])))' \
  "$work/expected.json" >"$work/expected.txt"
setup_store() {  # DIR PROXY_PORT: its own config and data dir, the dataset signed into it
  mkdir -p "$1"
  sed "s|socks5h://127.0.0.1:9050|socks5h://127.0.0.1:$2|" "$work/leakwatch.toml" >"$1/leakwatch.toml"
  "$bin" --config "$1/leakwatch.toml" sign --dataset bench-plates "$work/dataset" >/dev/null
}
sightings() {  # DIR: "source dataset confidence" lines, sorted
  "$bin" --config "$1/leakwatch.toml" sightings --format json |
    python3 -c 'import json,sys
for line in sys.stdin: s = json.loads(line); print(s["source"], s["dataset"], s["confidence"])' | sort
}

if [[ -z ${SKIP_REFERENCE:-} ]]; then
  echo "== reference: one source at a time, no delays"
  setup_store "$work/ref" "$fast_port"
  before=$(requests)
  /usr/bin/time -f "%e %M" -o "$work/ref.time" "$bin" --config "$work/ref/leakwatch.toml" scan \
    --jobs 1 >/dev/null 2>"$work/ref.err" || { tail -5 "$work/ref.err"; }
  read -r ref_secs ref_rss <"$work/ref.time"
  echo "reference: ${ref_secs} s, $(($(requests) - before)) requests, peak RSS $((ref_rss / 1024)) MiB"
  sightings "$work/ref" >"$work/ref.sightings"
fi

echo "== leakwatch scan through the latency proxy (connect ${connect_delay} s, first byte ${first_byte_delay} s)"
setup_store "$work/lw" "$slow_port"
before=$(requests)
streams_before=$(stats "$work/slow.stats" streams)
proxy_cpu_before=$(cpu_secs "$slow_pid")
# shellcheck disable=SC2086  # LEAKWATCH_SCAN_ARGS is a list of options
/usr/bin/time -f "%e %M %U %S" -o "$work/lw.time" "$bin" --config "$work/lw/leakwatch.toml" scan \
  ${LEAKWATCH_SCAN_ARGS:-} >/dev/null 2>"$work/lw.err" || { tail -5 "$work/lw.err"; }
read -r lw_secs lw_rss lw_user lw_sys <"$work/lw.time"
proxy_cpu=$(python3 -c "print(round($(cpu_secs "$slow_pid") - $proxy_cpu_before, 1))")
sleep 1.2  # the proxy rewrites its counts every second
lw_requests=$(($(requests) - before))
lw_streams=$(($(stats "$work/slow.stats" streams) - streams_before))
peak=$(stats "$work/slow.stats" peak_concurrent)
bound=$(python3 -c "print(round($lw_requests*($connect_delay+$first_byte_delay)/$cap, 1))")
stream_bound=$(python3 -c "print(round(($lw_streams*$connect_delay+$lw_requests*$first_byte_delay)/$cap, 1))")
echo "leakwatch: ${lw_secs} s for $lw_requests requests over $lw_streams proxy streams (peak $peak at once), peak RSS $((lw_rss / 1024)) MiB"
echo "  CPU: leakwatch ${lw_user} s user + ${lw_sys} s system, the latency proxy ${proxy_cpu} s (of $(python3 -c "print(round($(nproc) * $lw_secs))") s on $(nproc) cores)"
echo "  latency bound at cap $cap: $bound s (every request a new stream), $stream_bound s (its own streams); ratio $(python3 -c "print(round($lw_secs/$bound, 2))")"
sightings "$work/lw" >"$work/lw.sightings"
echo "  sightings: $(wc -l <"$work/lw.sightings") (sites holding dataset files: $(wc -l <"$work/expected.txt"))"
if [[ -f $work/ref.sightings ]]; then
  if cmp -s "$work/ref.sightings" "$work/lw.sightings"; then
    echo "  sightings equal the reference scan's"
  else
    echo "  sightings DIFFER from the reference scan's:"
    diff "$work/ref.sightings" "$work/lw.sightings" | head -20
  fi
fi

if [[ -z ${SKIP_SCRAPY:-} ]]; then
  echo "== Scrapy through the same proxy (HTTP), CONCURRENT_REQUESTS=$cap"
  cat >"$work/spider.py" <<'PY'
import scrapy
class Sites(scrapy.Spider):
    name = "sites"
    entries = 0
    def __init__(self, urls=None, proxy=None, **kw):
        super().__init__(**kw)
        self.urls, self.proxy = open(urls).read().split(), proxy
    def start_requests(self):
        for u in self.urls:
            yield scrapy.Request(u, meta={"proxy": self.proxy})
    def parse(self, response):
        if response.url.endswith("SHA256SUMS"):
            Sites.entries += len(response.text.splitlines())
            return
        for href in response.css("pre a::attr(href)").getall():
            if href == "../":
                continue
            if href.endswith("/") or href == "SHA256SUMS":
                yield response.follow(href, meta={"proxy": self.proxy})
            else:
                Sites.entries += 1
    def closed(self, reason):
        print("scrapy entries", Sites.entries)
PY
  before=$(requests)
  /usr/bin/time -f "%e %M" -o "$work/scrapy.time" scrapy runspider "$work/spider.py" \
    -a urls="$work/urls.txt" -a proxy="http://127.0.0.1:$slow_port" \
    -s LOG_LEVEL=WARNING -s ROBOTSTXT_OBEY=False -s TELNETCONSOLE_ENABLED=False \
    -s CONCURRENT_REQUESTS="$cap" -s CONCURRENT_REQUESTS_PER_DOMAIN=4 -s DOWNLOAD_TIMEOUT=120 \
    -s REACTOR_THREADPOOL_MAXSIZE=20 >"$work/scrapy.out" 2>"$work/scrapy.err" ||
    tail -5 "$work/scrapy.err"
  read -r sc_secs sc_rss <"$work/scrapy.time"
  echo "scrapy: ${sc_secs} s for $(($(requests) - before)) requests, peak RSS $((sc_rss / 1024)) MiB ($(cat "$work/scrapy.out"))"
fi
