#!/usr/bin/env python3
"""The archivist's workbench against a running tracuu-server: the timeline of
broad queries (wall time per request, several runs), the concordance
stream's first line, and the server's memory while one client downloads a
concordance slowly.

  python3 bench/workbench.py URL SERVER_PID [--slow-lines 100000] QUERY...
"""
import argparse
import socket
import statistics
import time
import urllib.parse
import urllib.request


def rss_mib(pid, field="VmRSS:"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return -1


def get_ms(url):
    start = time.perf_counter()
    with urllib.request.urlopen(url) as r:
        r.read()
    return (time.perf_counter() - start) * 1000


def first_line_ms(host, port, path):
    """Milliseconds from sending the request to the first line of the body."""
    s = socket.create_connection((host, port))
    start = time.perf_counter()
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    got = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
        head_end = got.find(b"\r\n\r\n")
        # Chunked body: the chunk size line, then a line of JSON.
        if head_end >= 0 and got.count(b"\n", head_end + 4) >= 2:
            break
    ms = (time.perf_counter() - start) * 1000
    s.close()
    return ms, got.split(b"\r\n", 1)[0].decode()


def slow_download(host, port, path, pid, lines_wanted, bytes_per_s):
    """Reads a concordance stream at `bytes_per_s`, sampling the server's RSS;
    stops after `lines_wanted` lines."""
    s = socket.create_connection((host, port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    lines = 0
    samples = [rss_mib(pid)]
    start = time.perf_counter()
    received = 0
    while lines < lines_wanted:
        chunk = s.recv(16384)
        if not chunk:
            break
        received += len(chunk)
        lines += chunk.count(b"}\n")
        behind = received / bytes_per_s - (time.perf_counter() - start)
        if behind > 0:
            time.sleep(behind)
        if len(samples) < 1 + (time.perf_counter() - start):
            samples.append(rss_mib(pid))
    s.close()
    return lines, time.perf_counter() - start, samples


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("url")
    ap.add_argument("pid", type=int)
    ap.add_argument("queries", nargs="+")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--slow-lines", type=int, default=100000)
    ap.add_argument("--slow-rate", type=int, default=2_000_000, help="bytes/s of the slow client")
    args = ap.parse_args()
    u = urllib.parse.urlparse(args.url)
    host, port = u.hostname, u.port
    enc = urllib.parse.quote

    print("timeline, bin=month (ms per request over", args.runs, "runs: median / max)")
    for q in args.queries:
        times = [get_ms(f"{args.url}/timeline?bin=month&q={enc(q)}") for _ in range(args.runs)]
        with urllib.request.urlopen(f"{args.url}/timeline?bin=month&q={enc(q)}") as r:
            import json
            t = json.load(r)
        print(f"  {q!r:24} total {t['total']:>8}  {statistics.median(times):7.1f} / {max(times):7.1f}")

    print("concordance stream, first line (ms over", args.runs, "runs: median / max)")
    for q in args.queries:
        times = []
        for _ in range(args.runs):
            ms, status = first_line_ms(host, port, f"/concordance?format=jsonl&q={enc(q)}")
            times.append(ms)
        print(f"  {q!r:24} {statistics.median(times):7.1f} / {max(times):7.1f}   ({status})")

    q = args.queries[0]
    before = rss_mib(args.pid)
    lines, secs, samples = slow_download(host, port, f"/concordance?format=jsonl&q={enc(q)}",
                                         args.pid, args.slow_lines, args.slow_rate)
    print(f"slow client: {lines} lines of {q!r} in {secs:.1f} s at {args.slow_rate / 1e6:.1f} MB/s;"
          f" server RSS before {before:.0f} MiB, during min {min(samples):.0f} / max {max(samples):.0f} MiB")


if __name__ == "__main__":
    main()
