#!/usr/bin/env python3
"""A webhook receiver for Tiffin, written from docs/notifications.md alone (standard library only).

Verifies every delivery's Tiffin-Signature header:
    Tiffin-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…]
accepting it when any v1 matches one of the secrets (one per line in --secret-file, read on each
request so a test or an operator can rotate it) and t is within --tolerance seconds of now.

Each request is appended to --log as one JSON line:
    {"eventId", "eventType", "deliveryId", "verified", "reason", "body", "status"}
and answered with --status (default 200), or 500 for the first --fail-first requests.

Prints the port it listens on (127.0.0.1, chosen by the kernel with --port 0) and exits when
its standard input closes.
"""
import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(header, body, secrets, tolerance, now):
    """Returns (verified, reason) for one delivery, as the documentation says to check it."""
    if not header:
        return False, "no Tiffin-Signature header"
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        return False, "malformed header"
    if abs(now - int(timestamp)) > tolerance:
        return False, "timestamp outside the tolerance (a replay?)"
    signed = timestamp.encode() + b"." + body
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            return True, "ok"
    return False, "no signature matches"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--tolerance", type=int, default=300)
    args = parser.parse_args()
    lock = threading.Lock()
    state = {"seen": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                with open(args.secret_file) as f:
                    secrets = [line.strip() for line in f if line.strip()]
            except OSError:
                secrets = []
            verified, reason = verify(self.headers.get("Tiffin-Signature"), body, secrets, args.tolerance, time.time())
            with lock:
                state["seen"] += 1
                status = 500 if state["seen"] <= args.fail_first else args.status
                entry = {
                    "eventId": self.headers.get("Tiffin-Event-Id"), "eventType": self.headers.get("Tiffin-Event-Type"),
                    "deliveryId": self.headers.get("Tiffin-Delivery-Id"), "verified": verified, "reason": reason,
                    "body": body.decode("utf-8", "replace"), "status": status,
                }
                with open(args.log, "a") as log:
                    log.write(json.dumps(entry) + "\n")
            answer = b"received" if status < 300 else b"receiver failing on purpose"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the parent closes our stdin
    server.shutdown()


if __name__ == "__main__":
    main()
