#!/usr/bin/env python3
"""Places orders and cancels each at once, for SECONDS seconds, at most RATE per second, so that the
outbox relay has reactions to run (releasing the payment hold) while a placement load runs beside it.
Usage: reaction-probe.py BASE_URL TOKEN BODY SECONDS RATE. Prints how many it cancelled."""
import json, sys, time, urllib.request, uuid

base, token, body, seconds, rate = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

def call(method, path, data=None, extra=None):
    request = urllib.request.Request(base + path, data=data.encode() if data else None, method=method, headers={**headers, **(extra or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")

cancelled, end = 0, time.time() + seconds
while time.time() < end:
    started = time.time()
    try:
        order = call("POST", "/v1/orders", body, {"Idempotency-Key": str(uuid.uuid4())})
        call("POST", "/v1/orders/%s/cancel" % order["id"], '{"reason":"probe"}')
        cancelled += 1
    except Exception as error:  # keep probing; the count says how many went through
        print("probe: %s" % error, file=sys.stderr)
    time.sleep(max(0.0, 1.0 / rate - (time.time() - started)))
print(cancelled)
