#!/usr/bin/env python3
"""Real BitTorrent peers on 127.0.0.1 for the torrent tests, built on python3-libtorrent 2.0.

  torrent_peer.py make ROOT OUT.torrent PIECE_LENGTH v1|v2|hybrid [TRACKER]
      Makes a torrent of ROOT (a file or a folder) with libtorrent. v2 and hybrid torrents align
      every file to the piece grid with BEP 47 pad files.
  torrent_peer.py seed PORT SAVE_PATH TORRENT...
      Seeds the torrents (their data under SAVE_PATH) on 127.0.0.1:PORT, no DHT/LSD/UPnP, and
      prints "ready" once listening. Runs until killed.
  torrent_peer.py bad PORT INFOHASH_HEX oversized|garbage
      A peer that completes the BitTorrent and extension handshakes for INFOHASH, then lies:
      `oversized` announces 64 MiB of metadata, `garbage` serves random bytes as the metadata.
      Prints "ready" once listening; logs each connection to stdout.
  torrent_peer.py infohash TORRENT
      Prints the v1 info-hash (hex) or, for v2-only torrents, the v2 one.
"""
import os
import socket
import struct
import sys
import threading
import time


def make(root, out, piece_length, version, tracker=None):
    import libtorrent as lt

    fs = lt.file_storage()
    lt.add_files(fs, root)
    flags = {"v1": lt.create_torrent.v1_only, "v2": lt.create_torrent.v2_only, "hybrid": 0}[version]
    t = lt.create_torrent(fs, int(piece_length), flags=flags)
    if tracker:
        t.add_tracker(tracker)
    lt.set_piece_hashes(t, os.path.dirname(os.path.abspath(root)))
    with open(out, "wb") as f:
        f.write(lt.bencode(t.generate()))


def seed(port, save_path, torrents):
    import libtorrent as lt

    s = lt.session({
        "listen_interfaces": "127.0.0.1:%d" % int(port),
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        "allow_multiple_connections_per_ip": True,
        "active_seeds": -1, "active_limit": -1, "connections_limit": 5000,
        "alert_mask": 0,
    })
    for path in torrents:
        ti = lt.torrent_info(path)
        s.add_torrent({"ti": ti, "save_path": save_path, "flags": lt.torrent_flags.seed_mode})
    print("ready", flush=True)
    while True:
        time.sleep(3600)


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, dict):
        return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(v)


def bad_peer(conn, infohash, mode):
    # BEP 3 handshake with the BEP 10 extension bit.
    read_exact(conn, 68)
    reserved = bytearray(8)
    reserved[5] |= 0x10
    conn.sendall(b"\x13BitTorrent protocol" + bytes(reserved) + infohash + b"-XX0001-" + os.urandom(12))
    size = 64 << 20 if mode == "oversized" else 32 * 1024
    hs = bencode({b"m": {b"ut_metadata": 3}, b"metadata_size": size})
    conn.sendall(struct.pack(">IBB", len(hs) + 2, 20, 0) + hs)
    conn.settimeout(20)
    while True:
        (length,) = struct.unpack(">I", read_exact(conn, 4))
        if length == 0:
            continue
        body = read_exact(conn, length)
        if body[0] == 20 and body[1] != 0 and mode == "garbage":
            # Answer every ut_metadata request with random bytes for the piece asked.
            piece = 0
            text = body[2:]
            if b"5:piecei" in text:
                piece = int(text.split(b"5:piecei", 1)[1].split(b"e", 1)[0])
            start = piece * 16384
            data = os.urandom(min(16384, size - start))
            msg = bencode({b"msg_type": 1, b"piece": piece, b"total_size": size}) + data
            conn.sendall(struct.pack(">IBB", len(msg) + 2, 20, 3) + msg)


def bad(port, infohash_hex, mode):
    infohash = bytes.fromhex(infohash_hex)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(port)))
    srv.listen(64)
    print("ready", flush=True)

    def serve(conn):
        print("connection", flush=True)
        try:
            bad_peer(conn, infohash, mode)
        except (OSError, ConnectionError, ValueError):
            pass
        finally:
            conn.close()

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def infohash(path):
    import libtorrent as lt

    ih = lt.torrent_info(path).info_hashes()
    print(str(ih.v1) if ih.has_v1() else str(ih.v2))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(*sys.argv[2:7])
    elif cmd == "seed":
        seed(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "bad":
        bad(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "infohash":
        infohash(sys.argv[2])
    else:
        sys.exit("usage: see the docstring")
