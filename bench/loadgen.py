"""A small HTTP load generator, run as its own process so it does not share the server's CPU
accounting or GIL: ``python bench/loadgen.py URL --cookie … --clients 8 --seconds 5`` (or
``--header "Authorization: Bearer …"``, repeatable, for pages that take no session).

Each client thread sends GET requests back to back (a new connection per request, as gunicorn's
sync workers close them) for a warm-up period and then for the measured period, and the process
prints one JSON object: requests, errors, status codes, p50/p95/max latency (ms) and requests/s.
Every loop is bounded by time, and only loopback addresses are allowed.
"""

import argparse
import http.client
import json
import statistics
import threading
import time
import urllib.parse

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def run(url, cookie, clients, seconds, warmup, extra_headers=()):
    parsed = urllib.parse.urlsplit(url)
    if parsed.hostname not in LOOPBACK:
        raise SystemExit("loadgen only targets this machine (loopback)")
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    headers = {"Cookie": cookie, "Accept-Language": "zh-hans", "Connection": "close"}
    for line in extra_headers:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    latencies, statuses, errors = [], {}, [0]
    lock = threading.Lock()
    start = time.monotonic()
    measure_from = start + warmup
    stop_at = measure_from + seconds

    def client():
        local, local_status, local_errors = [], {}, 0
        while True:
            began = time.monotonic()
            if began >= stop_at:
                break
            try:
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                connection.close()
            except OSError:
                local_errors += 1
                continue
            ended = time.monotonic()
            if began >= measure_from:
                local.append((ended - began) * 1000)
                local_status[status] = local_status.get(status, 0) + 1
        with lock:
            latencies.extend(local)
            for status, count in local_status.items():
                statuses[status] = statuses.get(status, 0) + count
            errors[0] += local_errors

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()

    def percentile(p):
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 1)

    return {
        "requests": len(latencies),
        "errors": errors[0],
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "rps": round(len(latencies) / seconds, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--cookie", default="")
    parser.add_argument("--header", action="append", default=[], help='"Name: value", repeatable')
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args()
    print(json.dumps(run(args.url, args.cookie, args.clients, args.seconds, args.warmup, args.header)))


if __name__ == "__main__":
    main()
