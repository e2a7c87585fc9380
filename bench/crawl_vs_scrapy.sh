#!/usr/bin/env bash
# Whole-command comparison (issue #5): crawl a local site of 2,000+ nginx autoindex pages with
# 200,000 file entries through one local proxy, with `leakwatch check` and with Scrapy, in the
# same run. Prints pages/s and peak RSS of each. Everything runs on 127.0.0.1.
#
#   bench/crawl_vs_scrapy.sh [BUILD_DIR]      (default: build; needs python3-scrapy, tinyproxy)
#
# The proxy is tinyproxy (HTTP): Scrapy has no SOCKS support, and one proxy for both keeps the
# comparison fair. Scrapy runs with 16 concurrent requests (its default is 16).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build=${1:-build}
./deploy/install-deps.sh --bench
bin=$PWD/$build/cli/leakwatch
work=$(mktemp -d /tmp/leakwatch-crawlbench-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$work/site" <<'PY'
import os, sys
root = sys.argv[1]
for a in range(40):
    for b in range(50):
        d = os.path.join(root, "d%02d" % a, "s%02d" % b)
        os.makedirs(d)
        for f in range(100):
            open(os.path.join(d, "file_%03d.jpg" % f), "w").close()
PY
site_port=$(free_port)
proxy_port=$(free_port)
start_nginx "$work" "$site_port" "server { listen 127.0.0.1:$site_port; root $work/site; location / { autoindex on; } }"
cat >"$work/tinyproxy.conf" <<TP
Port $proxy_port
Listen 127.0.0.1
Timeout 60
MaxClients 200
LogLevel Error
TP
tinyproxy -d -c "$work/tinyproxy.conf" >/dev/null 2>&1 &
sleep 1
url="http://127.0.0.1:$site_port/"
pages=$((1 + 40 + 2000))

cat >"$work/spider.py" <<'PY'
import scrapy
class Listing(scrapy.Spider):
    name = "listing"
    custom_settings = {"LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False, "CONCURRENT_REQUESTS": 16,
                       "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "TELNETCONSOLE_ENABLED": False}
    entries = 0
    def __init__(self, url=None, proxy=None, **kw):
        super().__init__(**kw)
        self.start_urls, self.proxy = [url], proxy
    def start_requests(self):
        yield scrapy.Request(self.start_urls[0], meta={"proxy": self.proxy})
    def parse(self, response):
        for href in response.css("pre a::attr(href)").getall():
            if href == "../":
                continue
            if href.endswith("/"):
                yield response.follow(href, meta={"proxy": self.proxy})
            else:
                Listing.entries += 1
    def closed(self, reason):
        print("scrapy entries", Listing.entries)
PY

measure() {  # label command...
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err"; exit 1; }
  read -r secs rss <"$work/time"
  printf '%-10s %8.2f s  %8.0f pages/s  peak RSS %6.1f MiB\n' "$label" "$secs" \
    "$(echo "$pages / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

echo "site: $pages listing pages, 200000 entries, nginx on 127.0.0.1:$site_port; proxy tinyproxy :$proxy_port"
measure leakwatch "$bin" --data-dir "$work/data" -q check --no-record --depth 3 --max-pages 5000 --format json --concurrency 16 \
  --proxy "http://127.0.0.1:$proxy_port" "$url"
python3 -c "import json,sys; d=json.load(open('$work/out')); print('leakwatch entries', d['scans'][0]['entries_seen'], 'pages', d['scans'][0]['pages_fetched'])"
# The same crawl recorded in the store, twice: the first stores the 200,000-entry manifest, the
# second also diffs it against the stored one (what a scheduled scan does).
for run in first second; do
  measure "lw+store" "$bin" --data-dir "$work/data" -q check --depth 3 --max-pages 5000 --format json \
    --concurrency 16 --proxy "http://127.0.0.1:$proxy_port" "$url"
done
measure scrapy scrapy runspider "$work/spider.py" -a "url=$url" -a "proxy=http://127.0.0.1:$proxy_port"
grep "scrapy entries" "$work/out" || true
