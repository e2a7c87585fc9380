#!/usr/bin/env bash
# Seeds for the binary fuzz targets, made by the real tools each time (no checked-in blobs):
# zip archives by Info-ZIP (plain and forced ZIP64) and bsdtar, torrents by mktorrent (v1) and
# python3-libtorrent (v2 and hybrid with pad files).
#   make-binary-seeds.sh OUT_DIR
set -euo pipefail
mkdir -p "$1"
out=$(cd "$1" && pwd)  # the tools below run in other folders
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out/zip" "$out/torrent"  # a re-run makes them afresh
mkdir -p "$out/zip" "$out/torrent" "$work/data/sub"
head -c 3000 /dev/urandom >"$work/data/plate_01.jpg"
printf 'hello\n' >"$work/data/sub/notes.txt"
: >"$work/data/empty.bin"
(cd "$work/data" && zip -q -r "$out/zip/infozip.zip" . && zip -q -r -fz "$out/zip/zip64.zip" . &&
  bsdtar --format zip -cf "$out/zip/bsdtar.zip" .)
# The central directory alone (what parse_zip_central_directory gets) of the Info-ZIP archive.
python3 - "$out/zip/infozip.zip" "$out/zip/central-directory.bin" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
eocd = data.rfind(b"PK\x05\x06")
size, offset = struct.unpack("<II", data[eocd + 12:eocd + 20])
open(sys.argv[2], "wb").write(data[offset:offset + size])
PY
mktorrent -l 15 -o "$out/torrent/mktorrent-v1.torrent" "$work/data" >/dev/null
/usr/bin/python3 "$here/../support/torrent_peer.py" make "$work/data" "$out/torrent/v2.torrent" 16384 v2
/usr/bin/python3 "$here/../support/torrent_peer.py" make "$work/data" "$out/torrent/hybrid.torrent" 16384 hybrid
printf 'magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=x&tr=http%%3A%%2F%%2Ft.onion%%2Fa&x.pe=127.0.0.1:6881' \
  >"$out/torrent/magnet.txt"
