# The Tor client sidecar of deploy/kubernetes/leakwatch.yaml: Debian 12's tor, run as a user of
# fixed uid 10002 (the package's debian-tor uid depends on install order) with the torrc from the
# ConfigMap (made from deploy/tor/torrc). Tor makes its DataDirectory itself, owned and 0700.
#   docker build -f deploy/tor.Dockerfile -t leakwatch-tor:0.1.0 deploy
FROM debian:12-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends tor \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10002 tor \
    && useradd --system --uid 10002 --gid tor --home-dir /var/lib/tor --shell /usr/sbin/nologin tor
USER 10002:10002
ENTRYPOINT ["/usr/bin/tor", "-f", "/etc/tor/torrc", "--DataDirectory", "/var/lib/tor/data"]
