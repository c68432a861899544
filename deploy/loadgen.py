#!/usr/bin/env python3
"""A bounded HTTP load for deploy/cluster-demo.sh: CONCURRENCY clients, each
with its own keep-alive connection, request the paths of PATHS_FILE in turn
at RATE requests/s in all, for SECONDS. Every answer but 200 and every
connection error is a failure (the first few are listed). Prints one JSON
line: {"requests", "failed", "p50_ms", "p99_ms", "max_ms", "statuses",
"failures"}.
usage: loadgen.py HOST:PORT PATHS_FILE SECONDS CONCURRENCY RATE"""
import http.client, json, sys, threading, time


def client(host, port, paths, offset, until, interval, results, lock):
    conn = None
    latencies, statuses, failures = [], {}, []
    i, next_at = offset, time.monotonic()
    while True:
        now = time.monotonic()
        if now >= until:
            break
        if next_at > now:
            time.sleep(next_at - now)
        next_at += interval
        path = paths[i % len(paths)]
        i += 1
        start = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=15)
            conn.request("GET", path)
            res = conn.getresponse()
            res.read()
            status = res.status
            if res.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except Exception as e:  # a refused, reset or timed-out connection
            status = type(e).__name__
            if conn is not None:
                conn.close()
            conn = None
        latencies.append((time.monotonic() - start) * 1000)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status != 200 and len(failures) < 5:
            failures.append({"path": path, "status": status, "at": round(time.time(), 3)})
    with lock:
        results["latencies"] += latencies
        for k, v in statuses.items():
            results["statuses"][k] = results["statuses"].get(k, 0) + v
        results["failures"] += failures


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(p / 100.0 * len(sorted_values)))]


def main():
    address, paths_file, seconds, concurrency, rate = sys.argv[1:6]
    host, port = address.rsplit(":", 1)
    paths = [p for p in open(paths_file, encoding="utf-8").read().split("\n") if p]
    concurrency, rate = int(concurrency), float(rate)
    until = time.monotonic() + float(seconds)
    results = {"latencies": [], "statuses": {}, "failures": []}
    lock = threading.Lock()
    threads = [threading.Thread(target=client,
                                args=(host, int(port), paths, k * len(paths) // concurrency, until,
                                      concurrency / rate, results, lock))
               for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat = sorted(results["latencies"])
    ok = results["statuses"].get("200", 0)
    print(json.dumps({"requests": len(lat), "failed": len(lat) - ok,
                      "p50_ms": round(percentile(lat, 50), 1), "p99_ms": round(percentile(lat, 99), 1),
                      "max_ms": round(lat[-1] if lat else 0, 1), "statuses": results["statuses"],
                      "failures": results["failures"][:10]}))


main()
