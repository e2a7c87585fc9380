#!/usr/bin/env python3
"""A leak site that wants leakwatch to fail: every path is one attack (issue 15, "A hostile-site
suite"). Everything is generated on the fly, nothing is stored on disk.

usage: hostile_site.py PORT LOG [ADDRESS]   (LOG: one line per request: "METHOD PATH"; it listens
       on 127.0.0.1 and, when given, on ADDRESS too: a non-loopback address of this machine, for
       sources that are not on loopback themselves)

Paths:
  /normal/                  an ordinary nginx-like listing (the source that must still work)
  /normal/plate_1.jpg       its file
  /gzip-bomb/               a listing sent gzip-encoded: 1 MiB on the wire, 1 GiB decoded
  /brotli-bomb/             the same sent brotli-encoded (Content-Encoding: br; Debian's curl
                            decodes brotli): 650 KiB on the wire, 1 GiB decoded
  /one-line.html            a 50 MB page on one line (no newline, no tags)
  /five-million/            a listing of 5,000,000 entries
  /loop/...                 every folder links a subfolder: an endless tree
  /redirect-forever         302 to itself with a counter, forever
  /redirect-file            302 to file:///etc/passwd
  /redirect-onion           302 to http://hostileexampleonion.onion/
  /redirect-local           302 to http://127.0.0.1:PORT/normal/
  /redirect-escape          302 to a Location holding an ESC sequence and a BEL (remote text
                            that ends up in errors and log lines)
  /drip/                    one byte a second
  /never/                   accepts, reads the request, never answers
  /chunked-truncated/       a chunked listing cut off mid-chunk
  /hostile-names/           names with ../, absolute paths, control bytes, invalid UTF-8, 5,000 chars
  /four-billion.zip         a zip whose ZIP64 directory claims 4,000,000,000 entries
  /big.torrent              a 100 MB .torrent
  /deep.html                1 MB of nested <div>s
  /deep.json                a JSON tree nested 100,000 deep
  /entities.html            a listing of 32 MiB of '&'
"""
import ctypes
import gzip
import socketserver
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler

PORT = int(sys.argv[1])
LOG = open(sys.argv[2], "a", buffering=1)


def listing(title, names):
    """An nginx autoindex page (bytes) for (name, size) pairs."""
    head = (f"<html><head><title>Index of {title}</title></head><body><h1>Index of {title}</h1>"
            "<hr><pre><a href=\"../\">../</a>\n").encode()
    lines = b"".join(f"<a href=\"{n}\">{n}</a>  12-Nov-2026 10:00  {s}\n".encode("utf-8", "surrogateescape")
                     for n, s in names)
    return head + lines + b"</pre><hr></body></html>"


def gzip_bomb():
    # 1 GiB of zeros, compressed once at start-up (about 1 MiB).
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    out = [c.compress(chunk) for _ in range(1024)]
    out.append(c.flush())
    return b"".join(out)


GZIP_BOMB = None
GZIP_LOCK = threading.Lock()


def brotli_bomb(mib=1024):
    """mib MiB of zeros, brotli-compressed by the system's libbrotlienc (libbrotli1, which curl
    itself links; quality 0 keeps this to about 2 s)."""
    lib = ctypes.CDLL("libbrotlienc.so.1")
    lib.BrotliEncoderCreateInstance.restype = ctypes.c_void_p
    lib.BrotliEncoderCreateInstance.argtypes = [ctypes.c_void_p] * 3
    lib.BrotliEncoderSetParameter.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    size_p, void_pp = ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_void_p)
    lib.BrotliEncoderCompressStream.argtypes = [ctypes.c_void_p, ctypes.c_int, size_p, void_pp,
                                                size_p, void_pp, ctypes.c_void_p]
    lib.BrotliEncoderIsFinished.argtypes = [ctypes.c_void_p]
    lib.BrotliEncoderDestroyInstance.argtypes = [ctypes.c_void_p]
    state = lib.BrotliEncoderCreateInstance(None, None, None)
    lib.BrotliEncoderSetParameter(state, 1, 0)  # BROTLI_PARAM_QUALITY
    zeros = ctypes.create_string_buffer(1 << 20)
    out = ctypes.create_string_buffer(1 << 20)
    parts = []

    def run(operation, length):  # BROTLI_OPERATION_PROCESS = 0, FINISH = 2
        avail_in, next_in = ctypes.c_size_t(length), ctypes.c_void_p(ctypes.addressof(zeros))
        while True:
            avail_out, next_out = ctypes.c_size_t(len(out)), ctypes.c_void_p(ctypes.addressof(out))
            if not lib.BrotliEncoderCompressStream(state, operation, ctypes.byref(avail_in),
                                                   ctypes.byref(next_in), ctypes.byref(avail_out),
                                                   ctypes.byref(next_out), None):
                raise RuntimeError("brotli encoder failed")
            parts.append(out.raw[:len(out) - avail_out.value])
            if avail_in.value == 0 and (operation == 0 or lib.BrotliEncoderIsFinished(state)):
                return

    for _ in range(mib):
        run(0, 1 << 20)
    run(2, 0)
    lib.BrotliEncoderDestroyInstance(state)
    return b"".join(parts)


BROTLI_BOMB = None


def four_billion_zip():
    # ZIP64 end record claiming 4e9 entries and a 0-byte directory, its locator, and an EOCD
    # whose fields say "see ZIP64".
    zip64 = struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, 4_000_000_000,
                        4_000_000_000, 0, 0)
    locator = struct.pack("<IIQI", 0x07064b50, 0, 0, 1)
    eocd = struct.pack("<IHHHHIIH", 0x06054b50, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF,
                       0xFFFFFFFF, 0xFFFFFFFF, 0)
    return zip64 + locator + eocd


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, body, status=200, ctype="text/html", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def stream(self, parts, ctype="text/html"):
        """A body of unknown length, chunked."""
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for p in parts:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def redirect(self, where):
        self.send(b"", 302, extra=[("Location", where)])

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        LOG.write(f"{self.command} {self.path}\n")
        p = self.path
        if p == "/normal/":
            return self.send(listing("/normal/", [("plate_1.jpg", 4096)]))
        if p == "/normal/plate_1.jpg":
            return self.send(bytes(range(256)) * 16, ctype="image/jpeg")
        if p == "/gzip-bomb/":
            global GZIP_BOMB
            with GZIP_LOCK:
                if GZIP_BOMB is None:
                    GZIP_BOMB = gzip_bomb()
            return self.send(GZIP_BOMB, extra=[("Content-Encoding", "gzip")])
        if p == "/brotli-bomb/":
            global BROTLI_BOMB
            with GZIP_LOCK:
                if BROTLI_BOMB is None:
                    BROTLI_BOMB = brotli_bomb()
            return self.send(BROTLI_BOMB, extra=[("Content-Encoding", "br")])
        if p == "/one-line.html":
            return self.stream(b"x" * (1 << 20) for _ in range(50))
        if p == "/five-million/":
            def parts():
                yield listing("/five-million/", [])[:-len(b"</pre><hr></body></html>")]
                for block in range(0, 5_000_000, 10_000):
                    yield b"".join(f"<a href=\"f{i}.jpg\">f{i}.jpg</a>  12-Nov-2026 10:00  {i}\n".encode()
                                   for i in range(block, block + 10_000))
                yield b"</pre><hr></body></html>"
            return self.stream(parts())
        if p.startswith("/loop/"):
            return self.send(listing(p, [("a/", "-"), ("b/", "-"), ("f.txt", 1)]))
        if p.startswith("/redirect-forever"):
            n = int(p.rsplit("/", 1)[-1]) if p.count("/") > 1 else 0
            return self.redirect(f"/redirect-forever/{n + 1}")
        if p == "/redirect-file":
            return self.redirect("file:///etc/passwd")
        if p == "/redirect-onion":
            return self.redirect("http://hostileexampleonion.onion/")
        if p == "/redirect-escape":
            return self.redirect(f"http://127.0.0.1:{PORT}/\x1b[2J\x07FAKE-LINE")
        if p == "/redirect-local":
            return self.redirect(f"http://127.0.0.1:{PORT}/normal/")
        if p == "/drip/":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(1)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return None
        if p == "/never/":
            time.sleep(3600)
            return None
        if p == "/chunked-truncated/":
            body = listing("/chunked-truncated/", [("a.jpg", 1)])
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s" % (len(body) + 100, body))  # promises 100 more bytes
            self.wfile.flush()
            self.close_connection = True
            return None
        if p == "/hostile-names/":
            names = [("../../etc/passwd", 1), ("/abs/path", 2), ("%2e%2e%2fescape", 3),
                     ("ctl\x1b[2J\rname", 4), ("bad\udcff\udcfeutf8", 5), ("n" * 5000, 6),
                     ("ok.jpg", 7)]
            return self.send(listing("/hostile-names/", names))
        if p == "/four-billion.zip":
            return self.send(four_billion_zip(), ctype="application/zip")
        if p == "/big.torrent":
            size = 100 << 20
            head = b"d4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces%d:" % size
            def parts():
                yield head
                for _ in range(100):
                    yield b"\0" * (1 << 20)
                yield b"ee"
            return self.stream(parts(), ctype="application/x-bittorrent")
        if p == "/deep.html":
            return self.send(b"<html><body>" + b"<div>" * 200_000)
        if p == "/deep.json":
            return self.send(b"{\"children\":[" * 100_000 + b"{\"name\":\"x\"}" + b"]}" * 100_000,
                             ctype="application/json")
        if p == "/entities.html":
            return self.send(listing("/entities.html", [("&" * (30 << 20), 1)]))
        return self.send(b"not here", 404, ctype="text/plain")


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


if len(sys.argv) > 3:
    other = Server((sys.argv[3], PORT), Handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
with Server(("127.0.0.1", PORT), Handler) as httpd:
    httpd.serve_forever()
