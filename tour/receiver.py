#!/usr/bin/env python3
"""A webhook receiver for tour/webhooks.sh, on 127.0.0.1 (a free port, written to PORT_FILE).

For each POST it checks the Standard Webhooks signature with SECRET, prints one line, and answers:
503 to the first attempt of a delivery (so the service retries it), 200 to the next ones, and 410 on
/gone (which the service does not retry). A delivery's webhook-id stays the same on every attempt and
redelivery, so a receiver can tell a duplicate.

    python3 tour/receiver.py SECRET PORT_FILE
"""
import base64
import hashlib
import hmac
import http.server
import json
import sys

secret, port_file = sys.argv[1], sys.argv[2]
key = base64.b64decode(secret[len("whsec_"):]) if secret.startswith("whsec_") else secret.encode()
attempts = {}  # webhook-id -> attempts seen


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        msg_id = self.headers.get("webhook-id", "")
        timestamp = self.headers.get("webhook-timestamp", "")
        signed = f"{msg_id}.{timestamp}.".encode() + body
        expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        valid = any(hmac.compare_digest(expected, s) for s in self.headers.get("webhook-signature", "").split())
        task = json.loads(body)
        attempts[msg_id] = attempts.get(msg_id, 0) + 1
        status = 410 if self.path == "/gone" else 503 if attempts[msg_id] == 1 else 200
        print(f"receiver: POST {self.path}, webhook-id {msg_id} (seen {attempts[msg_id]} time(s)), "
              f"signature {'valid' if valid else 'INVALID'}, task {task['id']} {task['state']} "
              f"result {json.dumps(task['result'])}: answering {status}", flush=True)
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass  # the line above says it all


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
with open(port_file, "w") as f:
    f.write(str(server.server_port))
server.serve_forever()
