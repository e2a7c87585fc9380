#!/usr/bin/env bash
# Whole-command comparison (issue #6): time-to-metadata for magnet links whose peers are on
# loopback, `leakwatch check MAGNET` against `aria2c --bt-metadata-only --bt-save-metadata` on the
# same magnet in the same run, and 100 magnets at once against one. Payload bytes downloaded by
# leakwatch are read from its log (they must be 0). Everything runs on 127.0.0.1.
#
#   bench/torrent_metadata_vs_aria2.sh [BUILD_DIR] [RUNS]    (default: build 5)
#
# Peers: one python3-libtorrent seeder process seeding 100 hybrid torrents (4 files, 1 MiB each),
# found by both tools through opentracker (tr= in the magnet: aria2c 1.36 ignores x.pe=). DHT,
# LSD and PEX are off on both sides. Figures are medians over RUNS.
# leakwatch runs as deployed, through a SOCKS5 proxy (microsocks on loopback: every tracker and
# peer connection goes through it); aria2c cannot proxy BitTorrent and runs direct.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build=${1:-build}
runs=${2:-5}
./deploy/install-deps.sh --bench
bin=$PWD/$build/cli/leakwatch
py=/usr/bin/python3  # Debian's, which has python3-libtorrent
peer=$PWD/tests/support/torrent_peer.py
work=$(mktemp -d /tmp/leakwatch-torrentbench-XXXXXX)
chmod 755 "$work"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

tracker_port=$(free_port)
seed_port=$(free_port)
site_port=$(free_port)
socks_port=$(free_port)
announce="http://127.0.0.1:$tracker_port/announce"

# 100 torrents of 4 random files each.
mkdir -p "$work/data" "$work/torrents"
for i in $(seq -w 0 99); do
  mkdir -p "$work/data/t$i"
  for f in 1 2 3 4; do head -c $((1 << 20)) /dev/urandom >"$work/data/t$i/f$f.bin"; done
  $py "$peer" make "$work/data/t$i" "$work/torrents/t$i.torrent" 262144 hybrid "$announce"
done
for t in "$work"/torrents/*.torrent; do $py "$peer" infohash "$t"; done >"$work/whitelist"

opentracker -i 127.0.0.1 -p "$tracker_port" -P "$tracker_port" -u nobody -d "$work" \
  -w whitelist >"$work/tracker.log" 2>&1 &
sleep 0.5
$py "$peer" seed "$seed_port" "$work/data" "$work"/torrents/*.torrent >"$work/seeder.log" 2>&1 &
until grep -qs ready "$work/seeder.log"; do sleep 0.2; done
sleep 3  # let the seeder announce all 100 torrents

magnet_of() { echo "magnet:?xt=urn:btih:$($py "$peer" infohash "$work/torrents/t$1.torrent")&tr=$announce"; }

# The page with 100 magnet links that `leakwatch check URL` resolves in one session.
mkdir -p "$work/site-1" "$work/site-100"
{
  echo "<html><body><h1>dumps</h1><p>Magnet links:</p>"
  for i in $(seq -w 0 99); do echo "<p><a href=\"$(magnet_of "$i" | sed 's/&/\&amp;/g')\">t$i</a></p>"; done
  echo "</body></html>"
} >"$work/site-100/index.html"
{
  echo "<html><body><h1>dumps</h1><p>Magnet links:</p>"
  echo "<p><a href=\"$(magnet_of 00 | sed 's/&/\&amp;/g')\">t00</a></p>"
  echo "</body></html>"
} >"$work/site-1/index.html"
start_nginx "$work" "$site_port" "server { listen 127.0.0.1:$site_port; root $work; }"
microsocks -i 127.0.0.1 -p "$socks_port" >/dev/null 2>&1 &
sleep 0.5
proxy=(--proxy "socks5h://127.0.0.1:$socks_port")

lw_times=()
aria_times=()
payloads=()
for r in $(seq 1 "$runs"); do
  # A torrent not fetched before in this run, so neither tool has it cached.
  i=$(printf %02d $((r % 100)))
  m=$(magnet_of "$i")
  t0=$(now)
  "$bin" --log-format json --data-dir "$work/lw-$r" check "$m" "${proxy[@]}" --no-record --timeout 60 \
    >"$work/lw-$r.out" 2>"$work/lw-$r.log" || { cat "$work/lw-$r.out" "$work/lw-$r.log"; exit 1; }
  t1=$(now)
  lw_times+=("$(echo "$t1 - $t0" | bc)")
  payloads+=("$(grep -o 'payload bytes [0-9]*' "$work/lw-$r.log" | awk '{print $3}')")
  mkdir -p "$work/aria-$r"
  t0=$(now)
  aria2c --bt-metadata-only=true --bt-save-metadata=true --enable-dht=false --enable-dht6=false \
    --bt-enable-lpd=false --enable-peer-exchange=false --listen-port="$(free_port)" \
    --console-log-level=error --summary-interval=0 -d "$work/aria-$r" "$m" >/dev/null
  t1=$(now)
  aria_times+=("$(echo "$t1 - $t0" | bc)")
  ls "$work/aria-$r"/*.torrent >/dev/null  # aria2c did get the metadata
done

one=()
hundred=()
for r in $(seq 1 "$runs"); do
  t0=$(now)
  "$bin" --log-format json --data-dir "$work/one-$r" check "http://127.0.0.1:$site_port/site-1/" \
    "${proxy[@]}" --no-record --timeout 60 >"$work/one-$r.out" 2>"$work/one-$r.log" || { cat "$work/one-$r.out" "$work/one-$r.log"; exit 1; }
  t1=$(now)
  one+=("$(echo "$t1 - $t0" | bc)")
  grep -q 'magnets resolved 1 of 1' "$work/one-$r.log"
  t0=$(now)
  "$bin" --log-format json --data-dir "$work/hundred-$r" check "http://127.0.0.1:$site_port/site-100/" \
    "${proxy[@]}" --no-record --timeout 60 >"$work/hundred-$r.out" 2>"$work/hundred-$r.log" ||
    { tail -5 "$work/hundred-$r.out" "$work/hundred-$r.log"; exit 1; }
  t1=$(now)
  hundred+=("$(echo "$t1 - $t0" | bc)")
  grep -o 'magnets resolved [0-9]* of 100 in [0-9]* ms, payload bytes [0-9]*' "$work/hundred-$r.log" \
    >>"$work/hundred-summary"
done
aria100=$(
  for i in $(seq -w 0 99); do magnet_of "$i"; done >"$work/aria-list"
  mkdir -p "$work/aria-100"
  t0=$(now)
  aria2c --bt-metadata-only=true --bt-save-metadata=true --enable-dht=false --enable-dht6=false \
    --bt-enable-lpd=false --enable-peer-exchange=false --listen-port="$(free_port)" -j 100 \
    --console-log-level=error --summary-interval=0 -d "$work/aria-100" -i "$work/aria-list" >/dev/null
  t1=$(now)
  echo "$t1 - $t0" | bc
)

printf 'single magnet, whole command, median of %s runs:\n' "$runs"
printf '  leakwatch check MAGNET --proxy socks5h://... --no-record : %.3f s  (payload bytes per run: %s)\n' \
  "$(printf '%s\n' "${lw_times[@]}" | median)" "${payloads[*]}"
printf '  aria2c --bt-metadata-only (direct)                        : %.3f s\n' "$(printf '%s\n' "${aria_times[@]}" | median)"
printf 'page of magnet links, leakwatch check URL --proxy (one session), median of %s runs:\n' "$runs"
printf '  1 magnet    : %.3f s\n' "$(printf '%s\n' "${one[@]}" | median)"
printf '  100 magnets : %.3f s\n' "$(printf '%s\n' "${hundred[@]}" | median)"
sed 's/^/    /' "$work/hundred-summary"
printf '  aria2c -j 100 -i LIST (100 magnets, once): %.3f s (%s .torrent files saved)\n' "$aria100" \
  "$(ls "$work/aria-100" | grep -c '\.torrent$')"
