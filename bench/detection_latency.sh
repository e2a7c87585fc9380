#!/usr/bin/env bash
# Detection latency (issue #17): plant -> alert at the receiver, against a running daemon with a
# 5 s schedule. A local nginx serves one empty folder per source; the daemon scans 20 sources
# every 5 s and delivers alerts to a webhook receiver that notes when each arrives. The script
# plants the signed dataset's file in one source folder at a time (at a random moment of the
# schedule: a pause of 0-5 s before each plant), waits for its alert and prints each latency,
# then p50 and p95. Everything runs on 127.0.0.1.
#
#   bench/detection_latency.sh [BUILD_DIR] [PLANTS]     (default: build 20)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
plants=${2:-20}
bin=$PWD/$build/cli/leakwatch
work=$(mktemp -d /tmp/leakwatch-latency-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/lib.sh

mkdir -p "$work/dataset"
head -c 8192 /dev/urandom >"$work/dataset/plates.bin"
for i in $(seq 0 $((plants - 1))); do
  mkdir -p "$work/site/s$i"
  head -c 100 /dev/urandom >"$work/site/s$i/readme.txt"
done
site_port=$(free_port)
api_port=$(free_port)
hook_port=$(free_port)
start_nginx "$work" "$site_port" "server { listen 127.0.0.1:$site_port; root $work/site; location / { autoindex on; } }"

# The receiver: one line "<unix time> <source>" per alert, written when the POST arrives.
python3 - "$hook_port" "$work/alerts.log" <<'PY' &
import http.server, json, sys, time
port, log = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        at = time.time()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        with open(log, "a") as f:
            f.write("%.3f %s\n" % (at, body["sighting"]["source"]))
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY

token=latency-token-0123456789abcdef
{
  echo "data_dir = \"data\""
  echo "[api]"
  echo "listen = \"127.0.0.1:$api_port\""
  echo "tokens = [\"$token\"]"
  for i in $(seq 0 $((plants - 1))); do
    printf '[[source]]\nname = "s%d"\nurl = "http://127.0.0.1:%s/s%d/"\nschedule = "5s"\n' \
      "$i" "$site_port" "$i"
  done
  printf '[[hook]]\nname = "web"\nkind = "webhook"\nurl = "http://127.0.0.1:%s/hook"\n' "$hook_port"
  printf 'secret = "latency-secret"\nmin_confidence = "possible"\n'
} >"$work/leakwatch.toml"
touch "$work/alerts.log"
"$bin" -q --config "$work/leakwatch.toml" sign --dataset plates "$work/dataset" >/dev/null
"$bin" -q --config "$work/leakwatch.toml" daemon >"$work/daemon.out" 2>"$work/daemon.log" &
wait_port "$api_port"
wait_port "$hook_port"
sleep 6  # every source scanned once, empty

echo "plant source latency_s"
: >"$work/latencies"
for i in $(seq 0 $((plants - 1))); do
  sleep "$(python3 -c 'import random; print(round(random.uniform(0, 5), 3))')"
  planted=$(date +%s.%N)
  cp "$work/dataset/plates.bin" "$work/site/s$i/plates.bin"
  arrived=""
  for _ in $(seq 300); do
    arrived=$(awk -v s="s$i" '$2 == s {print $1; exit}' "$work/alerts.log")
    [ -n "$arrived" ] && break
    sleep 0.1
  done
  if [ -z "$arrived" ]; then
    echo "$i s$i no alert within 30 s" && continue
  fi
  latency=$(python3 -c "print(round($arrived - $planted, 3))")
  echo "$i s$i $latency"
  echo "$latency" >>"$work/latencies"
done
python3 - "$work/latencies" <<'PY'
import statistics, sys
xs = sorted(float(l) for l in open(sys.argv[1]) if l.strip())
if not xs:
    sys.exit("no latencies")
p = lambda q: xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]
print("plants=%d p50=%.2fs p95=%.2fs max=%.2fs mean=%.2fs" % (len(xs), p(0.5), p(0.95), xs[-1], statistics.mean(xs)))
PY
uptime
