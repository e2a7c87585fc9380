#!/usr/bin/env python3
"""Requests per second and latency of `leakwatch serve` (docs/PERFORMANCE.md, "HTTP API").

usage: bench/api_bench.py BUILD_DIR [SIGHTINGS]
Seeds a fresh store with SIGHTINGS sightings (tests' store_writer, fetches of 100), starts
`leakwatch serve` on a free loopback port and times, per endpoint, 500 sequential requests and
2000 requests from 8 client threads (one connection per request, as the server closes).
"""
import concurrent.futures
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

build = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
token = "bench-token-0123456789abcdef"

with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([f"{build}/tests/store_writer", f"{tmp}/data", str(count), "100"],
                   check=True, stdout=subprocess.DEVNULL)
    with open(f"{tmp}/c.toml", "w") as f:
        f.write(f'data_dir = "data"\n[api]\ntokens = ["{token}"]\n')
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    server = subprocess.Popen([f"{build}/cli/leakwatch", "-q", "--config", f"{tmp}/c.toml",
                               "serve", "--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE)
    server.stdout.readline()  # "leakwatch api listening on ..."

    def get(path):
        start = time.perf_counter()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        r = c.getresponse()
        body = r.read()
        c.close()
        assert r.status == 200, (r.status, body[:200])
        return time.perf_counter() - start

    try:
        for path in ["/v1/health", "/v1/sightings?limit=100", "/v1/scans?limit=100",
                     "/v1/sightings?format=stix&limit=100"]:
            lat = [get(path) for _ in range(500)]
            start = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda _: get(path), range(2000)))
            rps = 2000 / (time.perf_counter() - start)
            print(f"{path:45s} sequential p50 {statistics.median(lat) * 1000:.2f} ms, "
                  f"p99 {sorted(lat)[int(len(lat) * 0.99)] * 1000:.2f} ms; "
                  f"8 clients {rps:.0f} req/s")
    finally:
        server.terminate()
        server.wait()
