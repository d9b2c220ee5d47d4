#!/usr/bin/env python3
"""Probes a running Tiffin during a database outage: every 100 ms one placement (a new
Idempotency-Key) and one GET of the nearby search, each with a 10 s timeout; writes one line per
probe: seconds since start, kind, status (0: no answer), latency in ms.
Usage: outage-probe.py BASE_URL TOKEN BODY SECONDS"""
import json, sys, time, threading, urllib.request, uuid

base, token, body, seconds = sys.argv[1], sys.argv[2], sys.argv[3].encode(), float(sys.argv[4])
start = time.monotonic()
lock = threading.Lock()

def probe(kind, request):
    t = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except Exception:
        status = 0
    with lock:
        print(f"{t - start:.3f} {kind} {status} {(time.monotonic() - t) * 1000:.1f}", flush=True)

while time.monotonic() - start < seconds:
    place = urllib.request.Request(base + "/v1/orders", data=body, method="POST", headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json", "Idempotency-Key": "probe-" + str(uuid.uuid4())})
    browse = urllib.request.Request(base + "/v1/restaurants/nearby?lat=52.5296&lon=13.4010")
    threading.Thread(target=probe, args=("place", place), daemon=True).start()
    threading.Thread(target=probe, args=("browse", browse), daemon=True).start()
    time.sleep(0.1)
time.sleep(10.5)
