#!/usr/bin/env python3
"""The demo's webhook receiver: checks leakwatch's signature the way docs/ALERTS.md tells
receivers to, and appends one line per alert to LOG: 'valid|INVALID <id> <event> <title>'."""
import hashlib
import hmac
import http.server
import json
import sys
import time

port, secret_file, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
secret = open(secret_file, "rb").read().strip()


class Receiver(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ts = self.headers.get("X-Leakwatch-Timestamp", "0")
        expected = "sha256=" + hmac.new(secret, ts.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
        valid = (hmac.compare_digest(expected, self.headers.get("X-Leakwatch-Signature-256", ""))
                 and abs(time.time() - int(ts)) < 300)
        alert = json.loads(body)
        s = alert["sighting"]
        with open(log, "a") as f:
            f.write(f"{'valid' if valid else 'INVALID'} signature  {alert['id']}  {alert['event']}  "
                    f"{s['confidence']} '{s['dataset']}' at {s['source']}\n")
        self.send_response(204 if valid else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()


http.server.HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
