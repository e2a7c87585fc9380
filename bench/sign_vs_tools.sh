#!/usr/bin/env bash
# Whole-command benchmark for `leakwatch sign` (issue #3): every digest in one pass against the
# single-digest reference tools on the same warm-cache folder.
#   bench/sign_vs_tools.sh LEAKWATCH_BINARY [SIZE_MIB]   (default 2048 MiB)
# Makes a folder of mixed sizes under /tmp (many 4-256 KiB files, a few large ones), warms the
# page cache, times each tool over every file with N parallel workers (N = cores), and prints
# the ideal = (2 x sha256 + sha1 + md5 + xxh3 + cksum) / cores and leakwatch's ratio to it.
set -euo pipefail
bin=$(readlink -f "$1")
"$(dirname "$0")/../deploy/install-deps.sh" --bench
size_mib=${2:-2048}
cores=$(nproc)
dir=/tmp/leakwatch-sign-bench-${size_mib}
data=$dir/data

if [[ ! -f $dir/.complete ]]; then
  rm -rf "$dir"
  mkdir -p "$data/small" "$data/large"
  # Half the bytes in small files (4-256 KiB), half in four large ones.
  small_budget=$((size_mib * 1024 * 1024 / 2))
  python3 - "$data/small" "$small_budget" <<'PY'
import os, random, sys
folder, budget = sys.argv[1], int(sys.argv[2])
rng = random.Random(3)
i = 0
while budget > 0:
    n = min(budget, rng.randint(4096, 262144))
    with open(os.path.join(folder, f"f{i:06d}.bin"), "wb") as f:
        f.write(os.urandom(n))
    budget -= n
    i += 1
PY
  for i in 1 2 3 4; do
    head -c $((size_mib * 1024 * 1024 / 8)) /dev/urandom >"$data/large/big$i.bin"
  done
  touch "$dir/.complete"
fi

files=$(find "$data" -type f | wc -l)
echo "folder: $data, $(du -sh "$data" | cut -f1), $files files, $cores cores"
find "$data" -type f -print0 | xargs -0 cat >/dev/null  # warm the page cache

# Wall seconds of one command over every file, $cores processes in parallel, largest first.
time_tool() {
  local start end
  start=$(date +%s.%N)
  find "$data" -type f -printf '%s\t%p\0' | sort -z -rn | cut -z -f2- |
    xargs -0 -P "$cores" -n 64 "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

declare -A t
t[sha256]=$(time_tool openssl dgst -sha256)
t[sha1]=$(time_tool openssl dgst -sha1)
t[md5]=$(time_tool openssl dgst -md5)
t[xxh3]=$(time_tool xxhsum -H2)
t[cksum]=$(time_tool cksum)
t[sha256sum]=$(time_tool sha256sum)

datadir=$(mktemp -d)
start=$(date +%s.%N)
"$bin" -q --data-dir "$datadir" sign --dataset bench "$data" >/dev/null
end=$(date +%s.%N)
t[leakwatch]=$(echo "$end - $start" | bc)
rm -rf "$datadir"

for k in sha256 sha1 md5 xxh3 cksum sha256sum leakwatch; do
  printf '%-10s %8.2f s (wall, %d cores)\n' "$k" "${t[$k]}" "$cores"
done
# The tool timings already use every core, so the single-core sum over cores is their plain sum.
ideal=$(echo "2 * ${t[sha256]} + ${t[sha1]} + ${t[md5]} + ${t[xxh3]} + ${t[cksum]}" | bc -l)
printf 'ideal (2 x sha256 + sha1 + md5 + xxh3 + cksum, each on all cores): %.2f s\n' "$ideal"
printf 'leakwatch / ideal:     %.2f\n' "$(echo "${t[leakwatch]} / $ideal" | bc -l)"
printf 'leakwatch / sha256sum: %.2f\n' "$(echo "${t[leakwatch]} / ${t[sha256sum]}" | bc -l)"
