#!/usr/bin/env bash
# Installs exactly the Debian 12 packages that leakwatch's build, tests and demo need.
# Idempotent: when every package is already installed it only runs dpkg-query and exits.
# usage: deploy/install-deps.sh [--bench]
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git clang-format
  # ./run fuzz: clang-14 with libFuzzer and the sanitizer runtimes; ./run tidy: clang-tidy-14
  clang-14 libclang-rt-14-dev clang-tidy-14
  # libraries (see CMakeLists.txt)
  libcurl4-openssl-dev libtorrent-rasterbar-dev libxxhash-dev librocksdb-dev libspdlog-dev
  libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libtomlplusplus-dev nlohmann-json3-dev
  libcli11-dev libxml2-dev libarchive-dev libssl-dev libsqlite3-dev zlib1g-dev libzstd-dev libicu-dev
  libhyperscan-dev
  # real servers and reference tools used by the tests and the demo
  nginx-light lighttpd microsocks strace python3 xxhash zip unzip libarchive-tools coreutils curl mktorrent python3-libtorrent python3-jsonschema
  # verify's HTML report: rendered in headless Chromium and validated by tidy in the tests
  chromium tidy
  # alert hooks (issue #16): rsyslog with its GnuTLS driver and aiosmtpd as real receivers,
  # openssl for the test CA
  rsyslog rsyslog-gnutls python3-aiosmtpd openssl
  # torrent tests (issue #6): a v1 seeder and the metadata-only reference, a tracker
  aria2 opentracker
  # leak sites as they are (issue #14): Apache's mod_autoindex, and a private Tor network
  # (directory authorities, relays, an onion service and a client, all on loopback)
  apache2 tor
  # the daemon (issue #17): systemd notification, the HTTP service, promtool and a real
  # Prometheus for the metrics tests, PyYAML for the deploy/ manifest checks
  libsystemd-dev libmicrohttpd-dev prometheus python3-yaml
  # the cluster (issue #19): the NATS C client and real NATS servers with JetStream
  libnats-dev nats-server
)

# `--bench`: also what the whole-command comparisons in bench/ run against.
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(python3-scrapy tinyproxy bc time xxhash openssl)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Servers are started by the tests on loopback ports of their own; keep the packaged
# daemons from starting on install (no init system in CI anyway).
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
