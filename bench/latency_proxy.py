#!/usr/bin/env python3
"""A proxy with Tor-like latency, for benchmarks (issue #18).

One port speaks both SOCKS5 (RFC 1928, with the RFC 1929 user/password method that Tor's
IsolateSOCKSAuth clients use; any credentials are accepted) and HTTP proxy (CONNECT and
absolute-URI requests), told apart by the first byte. Every new stream waits --connect-delay
before it is established (a Tor circuit to an onion service), and every answer waits until
--first-byte-delay has passed since its request (the round trip through the circuit).

Names ending in .onion go to --target (one local nginx serving every site by its Host name);
IPv4 literals are connected as given; any other name is refused (host unreachable), as a
Tor client refuses what it cannot reach. Nothing is ever resolved locally.

  bench/latency_proxy.py [--port 0] --target 127.0.0.1:8080 [--connect-delay 0.3]
                         [--first-byte-delay 0.1] [--stats FILE]

Prints "listening PORT" on stdout once bound. --stats FILE is rewritten every second and at
exit with JSON counts: streams opened, answers, peak concurrent streams, bytes relayed.
"""

import argparse
import asyncio
import ipaddress
import json
import os
import signal
import sys
import time


class Stats:
    def __init__(self):
        self.streams = 0
        self.socks_streams = 0
        self.http_streams = 0
        self.answers = 0
        self.current = 0
        self.peak = 0
        self.refused = 0
        self.bytes_down = 0
        self.bytes_up = 0
        self.started = time.monotonic()

    def open(self):
        self.streams += 1
        self.current += 1
        self.peak = max(self.peak, self.current)

    def close(self):
        self.current -= 1

    def as_dict(self):
        return {
            "streams": self.streams,
            "socks_streams": self.socks_streams,
            "http_streams": self.http_streams,
            "answers": self.answers,
            "current": self.current,
            "peak_concurrent": self.peak,
            "refused": self.refused,
            "bytes_down": self.bytes_down,
            "bytes_up": self.bytes_up,
            "seconds": round(time.monotonic() - self.started, 3),
        }


class Proxy:
    def __init__(self, args):
        host, _, port = args.target.rpartition(":")
        self.target = (host, int(port))
        self.connect_delay = args.connect_delay
        self.first_byte_delay = args.first_byte_delay
        self.stats = Stats()

    def route(self, host, port):
        """Where a stream to host:port goes, or None when refused."""
        if host.lower().endswith(".onion"):
            return self.target
        try:
            if ipaddress.ip_address(host).version == 4:
                return (host, port)
        except ValueError:
            pass
        return None

    async def handle(self, reader, writer):
        # A stream counts as open from accept until the client closes its side (not until the
        # site has closed too), so the peak is what the client really had open at once.
        self.stats.open()
        is_open = [True]

        def gone():
            if is_open[0]:
                is_open[0] = False
                self.stats.close()

        try:
            first = await asyncio.wait_for(reader.readexactly(1), 30)
            if first == b"\x05":
                await self.socks(reader, writer, gone)
            else:
                await self.http(first, reader, writer, gone)
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError, OSError):
            pass
        finally:
            gone()
            writer.close()

    async def socks(self, reader, writer, gone):
        self.stats.socks_streams += 1
        count = (await reader.readexactly(1))[0]
        methods = await reader.readexactly(count)
        if 2 in methods:  # user/password: what IsolateSOCKSAuth clients offer
            writer.write(b"\x05\x02")
            await writer.drain()
            ver = (await reader.readexactly(1))[0]
            ulen = (await reader.readexactly(1))[0]
            await reader.readexactly(ulen)
            plen = (await reader.readexactly(1))[0]
            await reader.readexactly(plen)
            writer.write(b"\x01\x00" if ver == 1 else b"\x01\x01")
            await writer.drain()
        elif 0 in methods:
            writer.write(b"\x05\x00")
            await writer.drain()
        else:
            writer.write(b"\x05\xff")
            return
        ver, cmd, _, atyp = await reader.readexactly(4)
        if atyp == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif atyp == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode("ascii", "replace")
        elif atyp == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        else:
            writer.write(b"\x05\x08\x00\x01" + bytes(6))
            return
        port = int.from_bytes(await reader.readexactly(2), "big")
        where = self.route(host, port) if cmd == 1 else None
        if where is None:
            self.stats.refused += 1
            writer.write(b"\x05" + (b"\x04" if cmd == 1 else b"\x07") + b"\x00\x01" + bytes(6))
            await writer.drain()
            return
        await asyncio.sleep(self.connect_delay)
        try:
            up_reader, up_writer = await asyncio.open_connection(*where)
        except OSError:
            writer.write(b"\x05\x05\x00\x01" + bytes(6))
            await writer.drain()
            return
        writer.write(b"\x05\x00\x00\x01" + bytes(6))
        await writer.drain()
        await self.relay(reader, writer, up_reader, up_writer, b"", None, gone)

    async def http(self, first, reader, writer, gone):
        self.stats.http_streams += 1
        head = first + await reader.readuntil(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        if len(parts) != 3:
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        method, target, _ = parts
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            where = self.route(host.strip("[]"), int(port or 443))
            if where is None:
                self.stats.refused += 1
                writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            await asyncio.sleep(self.connect_delay)
            up_reader, up_writer = await asyncio.open_connection(*where)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await self.relay(reader, writer, up_reader, up_writer, b"", None, gone)
            return
        host = host_of(target)
        where = self.route(host, 80) if host else None
        if where is None:
            self.stats.refused += 1
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        await asyncio.sleep(self.connect_delay)
        up_reader, up_writer = await asyncio.open_connection(*where)
        # Absolute-URI requests on one client connection may name other hosts: each new host
        # pays the stream set-up again, as a new Tor stream would.
        await self.relay(reader, writer, up_reader, up_writer, head, host, gone)

    async def relay(self, reader, writer, up_reader, up_writer, pending, http_host, gone):
        asked = asyncio.Event()  # set when a request went up and its answer has not begun
        state = {"asked_at": 0.0, "host": http_host}

        async def up():
            data = pending
            while True:
                if data:
                    if state["host"] is not None:
                        for host in request_hosts(data):
                            if host != state["host"]:
                                state["host"] = host
                                await asyncio.sleep(self.connect_delay)
                    if not asked.is_set():
                        state["asked_at"] = time.monotonic()
                        asked.set()
                    self.stats.bytes_up += len(data)
                    up_writer.write(data)
                    await up_writer.drain()
                data = await reader.read(65536)
                if not data:
                    gone()  # the client closed its side: its stream is over for it
                    if up_writer.can_write_eof():
                        up_writer.write_eof()
                    return

        async def down():
            while True:
                data = await up_reader.read(65536)
                if not data:
                    return
                if asked.is_set():
                    wait = state["asked_at"] + self.first_byte_delay - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    asked.clear()
                    self.stats.answers += 1
                self.stats.bytes_down += len(data)
                writer.write(data)
                await writer.drain()

        tasks = [asyncio.ensure_future(up()), asyncio.ensure_future(down())]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if tasks[0] in done and not tasks[0].exception():
                await asyncio.wait_for(tasks[1], 120)  # client finished sending: let the answer end
        except (asyncio.TimeoutError, ConnectionError, OSError):
            pass
        finally:
            for t in tasks:
                t.cancel()
            up_writer.close()


def host_of(absolute_uri):
    if "://" not in absolute_uri:
        return None
    rest = absolute_uri.split("://", 1)[1]
    authority = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority


def request_hosts(data):
    hosts = []
    for line in data.split(b"\r\n"):
        parts = line.split(b" ")
        if len(parts) == 3 and parts[2].startswith(b"HTTP/") and b"://" in parts[1]:
            host = host_of(parts[1].decode("latin-1"))
            if host:
                hosts.append(host)
    return hosts


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--target", required=True, help="HOST:PORT that .onion names go to")
    parser.add_argument("--connect-delay", type=float, default=0.3, help="seconds per new stream")
    parser.add_argument("--first-byte-delay", type=float, default=0.1, help="seconds per answer")
    parser.add_argument("--stats", help="JSON counts, rewritten every second and at exit")
    args = parser.parse_args()
    proxy = Proxy(args)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", args.port, backlog=4096, limit=1 << 16)
    print("listening", server.sockets[0].getsockname()[1], flush=True)

    def write_stats():
        if args.stats:
            tmp = args.stats + ".tmp"
            with open(tmp, "w") as f:
                json.dump(proxy.stats.as_dict(), f)
            os.replace(tmp, args.stats)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    while not stop.is_set():
        write_stats()
        try:
            await asyncio.wait_for(stop.wait(), 1)
        except asyncio.TimeoutError:
            pass
    write_stats()
    server.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
