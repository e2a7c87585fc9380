#!/usr/bin/env python3
"""A SOCKS5 proxy for tests that records every request, like a witness.

Each CONNECT is logged as one JSON line {"cmd", "atyp", "host", "port", "user"} to the log file
given, then relayed to 127.0.0.1 at the requested port whatever the host name (so .onion and
made-up names reach the local test site). Like Tor, it refuses UDP ASSOCIATE and BIND, and it
never connects anywhere but loopback.

With --relay-any, a CONNECT to any IPv4 address is relayed to 127.0.0.1 at the requested port
too: a test can then name a peer at an address that only the proxy "reaches" (192.0.2.1, TEST-NET),
so reaching that peer at all proves the connection went through the proxy.

With --delay-ms N, each CONNECT is answered N ms late (a slow circuit), and with --stats FILE
the most tunnels it ever had open at once is written to FILE as {"max_open": N} whenever it
grows (a test's witness for a cap on connections through the proxy).

usage: socks5_recorder.py PORT LOGFILE [--relay-any] [--delay-ms N] [--stats FILE]
"""
import asyncio
import ipaddress
import json
import os
import sys

ATYP = {1: "ipv4", 3: "domain", 4: "ipv6"}
RELAY_ANY = "--relay-any" in sys.argv[3:]


def option(name, default):
    args = sys.argv[3:]
    return args[args.index(name) + 1] if name in args[:-1] else default


DELAY = int(option("--delay-ms", "0")) / 1000.0
STATS = option("--stats", "")
OPEN = {"now": 0, "max": 0}


def opened(delta):
    OPEN["now"] += delta
    if OPEN["now"] > OPEN["max"]:
        OPEN["max"] = OPEN["now"]
        if STATS:
            with open(STATS + ".tmp", "w") as f:
                f.write(json.dumps({"max_open": OPEN["max"]}))
            os.replace(STATS + ".tmp", STATS)


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def handle(reader, writer, log):
    try:
        ver, nmethods = await reader.readexactly(2)
        methods = await reader.readexactly(nmethods)
        user = ""
        if 2 in methods:
            writer.write(b"\x05\x02")
            await writer.drain()
            _, ulen = await reader.readexactly(2)
            user = (await reader.readexactly(ulen)).decode("utf-8", "replace")
            (plen,) = await reader.readexactly(1)
            await reader.readexactly(plen)
            writer.write(b"\x01\x00")
        else:
            writer.write(b"\x05\x00")
        await writer.drain()
        ver, cmd, _, atyp = await reader.readexactly(4)
        if atyp == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif atyp == 3:
            (n,) = await reader.readexactly(1)
            host = (await reader.readexactly(n)).decode("utf-8", "replace")
        elif atyp == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        else:
            writer.close()
            return
        port = int.from_bytes(await reader.readexactly(2), "big")
        log.write(json.dumps({"cmd": cmd, "atyp": ATYP.get(atyp, "?"), "host": host, "port": port, "user": user}) + "\n")
        log.flush()
        if cmd != 1:  # only CONNECT, as Tor
            writer.write(b"\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00")
            await writer.drain()
            writer.close()
            return
        if atyp == 1 and not host.startswith("127.") and not RELAY_ANY:
            writer.write(b"\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00")  # not allowed
            await writer.drain()
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            writer.write(b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")  # refused
            await writer.drain()
            writer.close()
            return
        opened(1)
        try:
            if DELAY:
                await asyncio.sleep(DELAY)
            writer.write(b"\x05\x00\x00\x01\x7f\x00\x00\x01" + port.to_bytes(2, "big"))
            await writer.drain()
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            opened(-1)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def main():
    port = int(sys.argv[1])
    log = open(sys.argv[2], "a", buffering=1)
    args = sys.argv[3:]
    host = args[args.index("--listen") + 1] if "--listen" in args else "127.0.0.1"
    server = await asyncio.start_server(lambda r, w: handle(r, w, log), host, port)
    async with server:
        await server.serve_forever()


asyncio.run(main())
