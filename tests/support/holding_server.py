#!/usr/bin/env python3
"""An HTTP server for tests of concurrency caps, on 127.0.0.1.

Every GET is held HOLD_MS before it is answered, and the answer's body is the most GETs the
server ever held at once (the witness of a cap). With --flaky SUFFIX, the first GET of each path
ending in SUFFIX answers 503 (the witness of a retry). Threaded, so it holds as many at once as
clients send.

usage: holding_server.py PORT HOLD_MS [--flaky SUFFIX]
"""
import http.server
import socketserver
import sys
import threading
import time

PORT, HOLD = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
FLAKY = sys.argv[sys.argv.index("--flaky") + 1] if "--flaky" in sys.argv[3:-1] else None
lock = threading.Lock()
state = {"now": 0, "max": 0, "seen": set()}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
            first = self.path not in state["seen"]
            state["seen"].add(self.path)
        time.sleep(HOLD)
        with lock:
            state["now"] -= 1
        code = 503 if FLAKY and self.path.endswith(FLAKY) and first else 200
        body = str(state["max"]).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 256


Server(("127.0.0.1", PORT), Handler).serve_forever()
