#!/usr/bin/env python3
"""Alert receivers for the alert tests, on 127.0.0.1.

webhook: checks X-Leakwatch-Signature-256 exactly as docs/ALERTS.md tells receivers to
         (HMAC-SHA256 over "<timestamp>.<raw body>", timestamp within 5 minutes), answers 204
         when it holds and 401 when it does not, and appends {"id", "valid", "headers", "body"}
         to the log for every request.
hec:     a Splunk HTTP Event Collector stand-in: checks "Authorization: Splunk <token>", answers
         503 with Retry-After for the first --fail-first requests, then 200 with Splunk's
         {"text":"Success","code":0}; logs every event of every accepted batch.
--https CERT KEY serves TLS. --hold SECONDS delays the answer of the first request (after it
has been logged as received), so a test can kill the sender mid-delivery.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import ssl
import sys
import threading
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["webhook", "hec"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--secret", default="")
    p.add_argument("--token", default="")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--retry-after", default="1")
    p.add_argument("--hold", type=float, default=0)
    p.add_argument("--https", nargs=2, metavar=("CERT", "KEY"))
    args = p.parse_args()
    lock = threading.Lock()
    state = {"requests": 0}

    def log(record):
        with lock, open(args.log, "a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, status, body=b"", headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                state["requests"] += 1
                n = state["requests"]
            if args.mode == "webhook":
                self.webhook(body, n)
            else:
                self.hec(body, n)

        def webhook(self, body, n):
            # The receiver check of docs/ALERTS.md.
            ts = self.headers.get("X-Leakwatch-Timestamp", "")
            sig = self.headers.get("X-Leakwatch-Signature-256", "")
            expected = "sha256=" + hmac.new(args.secret.encode(), ts.encode() + b"." + body,
                                            hashlib.sha256).hexdigest()
            fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
            valid = hmac.compare_digest(sig, expected) and fresh
            alert = json.loads(body)
            log({"n": n, "id": alert.get("id"), "valid": valid, "path": self.path,
                 "delivery": self.headers.get("X-Leakwatch-Delivery"),
                 "content_type": self.headers.get("Content-Type"),
                 "team": self.headers.get("X-Team"), "alert": alert})
            if n == 1 and args.hold:
                time.sleep(args.hold)
            self.answer(204 if valid else 401)

        def hec(self, body, n):
            if self.headers.get("Authorization") != "Splunk " + args.token:
                log({"n": n, "rejected": "token"})
                return self.answer(401, b'{"text":"Invalid token","code":4}')
            if self.path != "/services/collector/event":
                log({"n": n, "rejected": "path " + self.path})
                return self.answer(404)
            if n <= args.fail_first:
                log({"n": n, "answer": 503})
                return self.answer(503, b'{"text":"Server is busy","code":9}',
                                   [("Retry-After", args.retry_after)])
            decoder = json.JSONDecoder()
            text = body.decode()
            pos = 0
            while pos < len(text):
                while pos < len(text) and text[pos].isspace():
                    pos += 1
                if pos >= len(text):
                    break
                event, pos = decoder.raw_decode(text, pos)
                log({"n": n, "id": event["event"]["id"], "event": event})
            self.answer(200, b'{"text":"Success","code":0}')

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.https:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.https[0], args.https[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("listening", args.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
