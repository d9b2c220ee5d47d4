#!/usr/bin/env python3
"""Slow clients against a running Tiffin, beside GET /health (scripts/bench-slow-clients.sh runs it).

    slow-clients.py URL COUNT SECONDS [ADDRESSES]

Opens COUNT connections to URL's host and port from ADDRESSES loopback addresses (127.0.0.2 …,
default 30: a botnet, not one client, so the per-address cap does not hide the rest), each sending a request line and then one header
byte every 2 s, never the end of its headers (slowloris). For SECONDS it keeps them trickling, and
records for each connection when the server closed it and what it answered first. Prints one JSON
object: how many were opened, refused at once (503), answered 408, closed silently, still open at
the end, and the distribution of the time from a connection's first byte to its close.
Loopback only; stops by itself.
"""
import asyncio
import json
import resource
import sys
import time
import urllib.parse


async def slow(host, port, source, stats, stop_at):
    try:
        reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
    except OSError:
        stats["connect_failed"] += 1
        return
    stats["opened"] += 1
    first = time.monotonic()
    answer = b""
    try:
        writer.write(b"GET /health HTTP/1.1\r\nHost: bench\r\nX-Slow: ")
        await writer.drain()
        while time.monotonic() < stop_at:
            try:
                chunk = await asyncio.wait_for(reader.read(512), timeout=2.0)
                if not chunk:
                    break
                answer += chunk
                continue
            except asyncio.TimeoutError:
                pass
            writer.write(b"a")
            await writer.drain()
        else:
            stats["still_open"] += 1
            writer.close()
            return
    except (ConnectionError, OSError):
        pass
    closed = time.monotonic() - first
    if answer.startswith(b"HTTP/1.1 503"):
        stats["refused_503"] += 1
    elif answer.startswith(b"HTTP/1.1 408"):
        stats["answered_408"] += 1
        stats["close_seconds"].append(closed)
    else:
        stats["closed_silently"] += 1
        stats["close_seconds"].append(closed)
    writer.close()


async def main():
    url, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    addresses = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    parts = urllib.parse.urlsplit(url)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    stats = {"opened": 0, "connect_failed": 0, "refused_503": 0, "answered_408": 0, "closed_silently": 0, "still_open": 0, "close_seconds": []}
    started = time.monotonic()
    stop_at = started + seconds
    tasks = []
    # Open them over the first 2 s, as a flood would.
    for i in range(count):
        source = f"127.0.0.{2 + i % addresses}"
        tasks.append(asyncio.create_task(slow(parts.hostname, parts.port, source, stats, stop_at)))
        if i % 500 == 499:
            await asyncio.sleep(2.0 * 500 / count)
    await asyncio.gather(*tasks)
    closes = sorted(stats.pop("close_seconds"))

    def q(p):
        return round(closes[min(len(closes) - 1, int(p * len(closes)))], 2) if closes else None

    stats["close_seconds"] = {"p50": q(0.5), "p99": q(0.99), "max": round(closes[-1], 2) if closes else None}
    print(json.dumps(stats))


asyncio.run(main())
