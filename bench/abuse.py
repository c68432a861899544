#!/usr/bin/env python3
"""Attacks on a running tracuu-server (docs/operations.md), each for a few
seconds, while a fresh client searches every 200 ms. Prints, per attack, the
fresh client's worst and median /search time, the server's CPU (user +
system, % of one core) and its peak RSS during the attack. Only 127.0.0.1;
every loop is bounded in time. ABUSE_ONLY=word,word runs only the attacks
whose name holds one of the words.

    python3 bench/abuse.py PORT SERVER_PID [SECONDS_PER_ATTACK]
    python3 bench/abuse.py PORT SERVER_PID --only concordance [SECONDS]
    python3 bench/abuse.py PORT SERVER_PID --hides N   (/search, /suggest times)

With ABUSE_ANALYTICS (the server's --analytics file) and ABUSE_EDITOR_TOKEN
(its --editor-token), the editors' surfaces too: 30,000 distinct queries
(3 visitors each) are added to the file, then /stats?limit=1000 is timed
alone and flooded 3 at a time, and POST /events is flooded from 4 clients;
the figures add the /stats statuses and the events accepted per second.
"""
import collections
import json
import os
import random
import socket
import sqlite3
import statistics
import sys
import threading
import time
import urllib.parse

PORT = int(sys.argv[1])
PID = int(sys.argv[2])
MODE = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3].startswith("--") else ""
SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 and not MODE else 8.0
if MODE == "--only" and len(sys.argv) > 5:
    SECONDS = float(sys.argv[5])

COMMON = ["của", "và", "là", "có", "được", "cho", "người", "này", "với", "các", "những",
          "trong", "một", "đã", "không", "khi", "từ", "đến", "năm", "để", "về", "theo"]
EXPENSIVE = " OR ".join(f'"{a} {b}"' for a, b in zip(COMMON, COMMON[1:]))


def rss_kib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds():
    """User + system CPU of the server so far (/proc/PID/stat)."""
    with open(f"/proc/{PID}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connect(timeout=5.0, rcvbuf=None, source=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if source:  # another loopback address: another client to the server's limits
        s.bind((source, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", PORT))
    return s


def request(path, extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


def http(method, path, headers=None, body=b"", timeout=60):
    """One request on a new connection: (status, body, seconds); status 0 on failure."""
    start = time.monotonic()
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    for k, v in (headers or {}).items():
        head += f"{k}: {v}\r\n"
    if body:
        head += f"Content-Length: {len(body)}\r\nContent-Type: text/plain\r\n"
    try:
        s = connect(timeout=timeout)
        s.sendall(head.encode() + b"\r\n" + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return int(data.split(b" ", 2)[1]), data.split(b"\r\n\r\n", 1)[-1], time.monotonic() - start
    except (OSError, IndexError, ValueError):
        return 0, b"", time.monotonic() - start


def fresh_search(q="giá xăng"):
    """One new connection, one search: seconds until the whole answer (99 on failure)."""
    status, _, took = http("GET", "/search?q=" + urllib.parse.quote(q), timeout=30)
    return took if status == 200 else 99.0


def timed_get(path):
    """One new connection, one GET: seconds until the whole answer (99 on failure)."""
    status, _, took = http("GET", path)
    return took if status == 200 else 99.0


class Attack:
    """Runs `body(stop)` on `threads` threads while probing; returns figures."""

    def __init__(self, name, body, threads=1, report=None, settle=False):
        self.name, self.body, self.threads, self.report = name, body, threads, report
        self.settle = settle  # also the RSS a few seconds after the attack

    def run(self):
        stop = threading.Event()
        workers = [threading.Thread(target=self.body, args=(stop, i), daemon=True)
                   for i in range(self.threads)]
        base = rss_kib()
        for w in workers:
            w.start()
        time.sleep(min(1.0, SECONDS / 4))
        probes, peak = [], base
        cpu_start, start = cpu_seconds(), time.monotonic()
        end = time.monotonic() + SECONDS
        while time.monotonic() < end:
            probes.append(fresh_search())
            peak = max(peak, rss_kib())
            time.sleep(0.2)
        cpu = (cpu_seconds() - cpu_start) / (time.monotonic() - start) * 100
        stop.set()
        for w in workers:
            w.join(timeout=10)
        peak = max(peak, rss_kib())
        ok = [p for p in probes if p < 99]
        print(f"{self.name:<44} fresh /search worst {max(probes) * 1000:8.1f} ms  "
              f"median {statistics.median(probes) * 1000:7.1f} ms  failed {len(probes) - len(ok):2d}"
              f"  CPU {cpu:4.0f}%  peak RSS {peak / 1024:7.1f} MiB", flush=True)
        if self.settle:
            for wait in (3, 12):
                time.sleep(wait)
                print(f"{'':<44} RSS {wait} s after the attack {rss_kib() / 1024:7.1f} MiB "
                      f"(before it {base / 1024:.1f} MiB)", flush=True)
        if self.report:
            print("    " + self.report(), flush=True)


def hold(sockets, stop):
    stop.wait(SECONDS + 5)
    for s in sockets:
        s.close()


def idle_connections(n):
    def body(stop, _):
        socks = []
        for _ in range(n):
            try:
                socks.append(connect())
            except OSError:
                pass
        hold(socks, stop)
    return body


def drip(stop, _):
    """A header byte a second, reconnecting when dropped."""
    line = request("/search?q=binh+tan")
    s, sent = None, 0
    while not stop.is_set():
        try:
            if s is None:
                s, sent = connect(), 0
            s.send(line[sent % (len(line) - 4):][:1])
            sent += 1
        except OSError:
            s = None
        stop.wait(1.0)


def keep_alive(stop, _):
    """A request every 4 s on one connection, reconnecting when closed."""
    s = None
    while not stop.is_set():
        try:
            if s is None:
                s = connect()
            s.sendall(request("/health"))
            s.recv(65536)
        except OSError:
            s = None
        stop.wait(4.0)


def slow_export(stop, _):
    """Reads an export at 2 KB/s."""
    try:
        s = connect(rcvbuf=4096)
        s.sendall(request("/export?q=" + urllib.parse.quote("thành phố")))
        while not stop.is_set():
            if not s.recv(2048):
                break
            stop.wait(1.0)
        s.close()
    except OSError:
        pass


def flood(stop, head, piece, times):
    """Sends `head`, then `piece` up to `times` times, reconnecting when cut off."""
    while not stop.is_set():
        try:
            s = connect()
            s.sendall(head)
            for _ in range(times):
                if stop.is_set():
                    break
                s.sendall(piece)
        except OSError:
            pass


def big_headers(stop, _):
    """Headers of 8 KB, as many as the server takes (the attack sent 2.9 GB)."""
    flood(stop, b"GET /health HTTP/1.1\r\nHost: a\r\n", b"X-Pad: " + b"p" * 8000 + b"\r\n", 10000)


def chunked_body(stop, _):
    """A 1 GB chunked POST."""
    flood(stop, b"POST /health HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
          b"10000\r\n" + b"b" * 0x10000 + b"\r\n", 16000)


def many_ranges(stop, _):
    """Range: bytes=0-,0-,... (2,600 ranges) on the search page."""
    ranges = "bytes=0-" + ",0-" * 2600
    while not stop.is_set():
        try:
            s = connect()
            s.sendall(request("/", f"Range: {ranges}\r\nConnection: close\r\n"))
            while s.recv(1 << 20):
                pass
            s.close()
        except OSError:
            pass


def search_again_and_again(stop, q):
    """Searches `q` on a new connection and reads the answer, until the attack ends."""
    path = "/search?q=" + urllib.parse.quote(q)
    while not stop.is_set():
        try:
            s = connect(timeout=30)
            s.sendall(request(path, "Connection: close\r\n"))
            while s.recv(65536):
                pass
            s.close()
        except OSError:
            pass


# 140 words of random letters typed together and mistyped (issue 23): each
# one a reading the corrector would look for; it gives up within its budget.
UNKNOWN_WORDS = " ".join(
    "".join(random.Random(k).choice("qwertyuiopasdfghjklzxcvbnm") for _ in range(6))
    for k in range(140))


def expensive_search(stop, _):
    search_again_and_again(stop, EXPENSIVE)


def unknown_words_search(stop, _):
    search_again_and_again(stop, UNKNOWN_WORDS)


def expensive_export(stop, _):
    read_again_and_again(stop, "/export?q=" + urllib.parse.quote(EXPENSIVE), timeout=60)


def read_again_and_again(stop, path, timeout, source=None):
    """GET `path` and read the whole answer, again until the attack ends."""
    while not stop.is_set():
        try:
            s = connect(timeout=timeout, source=source)
            s.sendall(request(path, "Connection: close\r\n"))
            while s.recv(1 << 20):
                pass
            s.close()
        except OSError:
            pass


def stalled_readers(path, n):
    """n connections that ask for `path` and never read (a 4 KB receive
    window), opened again when the server closes them."""
    def body(stop, _):
        socks = []
        for _ in range(n):
            try:
                s = connect(rcvbuf=4096)
                s.sendall(request(path))
                socks.append(s)
            except OSError:
                pass
        hold(socks, stop)
    return body


def send_and_hold(stop, data):
    """Sends `data` once and holds the connection open (never sending the
    rest) until the attack ends: what the server spends is its own doing."""
    try:
        s = connect(timeout=SECONDS + 5)
        s.sendall(data)
        stop.wait(SECONDS + 5)
        s.close()
    except OSError:
        pass


def crlf_flood(stop, _):
    """200 KB of CR LF before a request line that never comes (the loop once spun on it)."""
    send_and_hold(stop, b"\r\n" * 100000)


def tiny_chunks(stop, _):
    """8,000 one-byte chunks with 40-byte extensions and no last chunk:
    8 KB of body, 390 KB on the wire."""
    send_and_hold(stop, b"POST /health HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + (b"1;ext=" + b"e" * 40 + b"\r\nx\r\n") * 8000)


CENTURY = "&bin=day&from=1917-01-01&to=2016-12-31"


def sorted_concordance(stop, i):
    """The whole concordance of the commonest word, 50 words each side,
    sorted by its left context: every line is held before the first is sent
    (one took the server from 40 MB to 543 MB). Each thread from its own
    loopback address, so all four run at once (2 exports per client)."""
    path = "/concordance?format=csv&sort=left&context=50&q=" + urllib.parse.quote("của")
    read_again_and_again(stop, path, timeout=120, source=f"127.0.0.{2 + i}")


def hides(count):
    """Median and worst /search and /suggest times, the rules hiding `count` articles."""
    searches = ["giá xăng", "bóng đá", "hà nội", "thời tiết", "chứng khoán", "của"]
    prefixes = ["hà n", "bóng", "giá x", "thủ t", "việt"]
    for name, paths in [("/search", ["/search?q=" + urllib.parse.quote(q) for q in searches]),
                        ("/suggest", ["/suggest?q=" + urllib.parse.quote(q) for q in prefixes])]:
        timed_get(paths[0])  # the hidden list is built on the first query
        times = [timed_get(p) for _ in range(5) for p in paths]
        print(f"{count:>6} hides  {name:<9} median {statistics.median(times) * 1000:8.1f} ms  "
              f"worst {max(times) * 1000:8.1f} ms  failed {sum(t >= 99 for t in times)}",
              flush=True)


TOKEN = os.environ.get("ABUSE_EDITOR_TOKEN", "")
ANALYTICS = os.environ.get("ABUSE_ANALYTICS", "")
statuses = collections.Counter()
statuses_lock = threading.Lock()


def fill_analytics(queries=30000):
    """30,000 distinct queries searched today by 3 visitors each (the server runs: WAL)."""
    db = sqlite3.connect(ANALYTICS, timeout=30)
    now = int(time.time())
    day = time.strftime("%Y-%m-%d", time.localtime(now))
    cols = [r[1] for r in db.execute("PRAGMA table_info(searches)")]
    visitor = "visitor" in cols
    rows = [(now, day, f"truy van {i}", f"truy van {i}", i % 2, f"v{v}")
            for i in range(queries) for v in range(3)]
    if visitor:
        db.executemany("INSERT INTO searches (at, day, query, norm, total, took_ms, page_offset, "
                       "visitor) VALUES (?, ?, ?, ?, ?, 1.5, 0, ?)", rows)
    else:
        db.executemany("INSERT INTO searches (at, day, query, norm, total, took_ms, page_offset) "
                       "VALUES (?, ?, ?, ?, ?, 1.5, 0)", [r[:5] for r in rows])
    db.commit()
    db.close()


def stats_flood(stop, _):
    while not stop.is_set():
        status, _, _ = http("GET", "/stats?limit=1000", {"Authorization": f"Bearer {TOKEN}"})
        with statuses_lock:
            statuses[f"stats {status}"] += 1


def events_flood(stop, k):
    """Clicks as fast as one client sends them (each thread its own address via
    X-Forwarded-For, as the reference nginx passes it), quoting a real token."""
    status, body, _ = http("GET", "/search?analytics=0&limit=1&q=" + urllib.parse.quote("giá xăng"))
    try:
        answer = json.loads(body)
        hit = answer["hits"][0]["id"]
    except (ValueError, KeyError, IndexError):
        return
    event = json.dumps({"type": "click", "query": "giá xăng", "id": hit,
                        "token": answer.get("event_token", "")}).encode()
    while not stop.is_set():
        status, _, _ = http("POST", "/events", {"X-Forwarded-For": f"198.51.100.{k + 1}"}, event)
        with statuses_lock:
            statuses[f"events {status}"] += 1


def report(prefix, per_second=False):
    def text():
        with statuses_lock:
            mine = {k: v for k, v in statuses.items() if k.startswith(prefix)}
            for k in mine:
                del statuses[k]
        line = "  ".join(f"{k}: {v}" for k, v in sorted(mine.items()))
        if per_second:
            line += f"  (accepted {mine.get(prefix + ' 204', 0) / SECONDS:.1f}/s)"
        return line
    return text


def editors_attacks(which="stats events"):
    """The editors' attacks named in `which` ("stats", "events"); none without
    the token and the analytics file."""
    if not (TOKEN and ANALYTICS):
        return []
    attacks = []
    if "stats" in which:
        fill_analytics()
        time.sleep(1)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        status, _, took = http("GET", "/stats?limit=1000", auth)
        print(f"/stats?limit=1000 over 30,000 distinct queries, alone: {status} in "
              f"{took * 1000:.0f} ms", flush=True)
        attacks.append(Attack("3 x /stats?limit=1000 in a loop", stats_flood, 3, report("stats")))
    if "events" in which:
        attacks.append(Attack("POST /events flood, 4 clients", events_flood, 4,
                              report("events", True)))
    return attacks


def main():
    if MODE == "--hides":
        return hides(int(sys.argv[4]))
    if MODE == "--only":
        Attack("4 concordances sorted by context (của, 50)", sorted_concordance, 4,
               settle=True).run()
        return
    print(f"fresh client alone: {min(fresh_search() for _ in range(5)) * 1000:.1f} ms; "
          f"RSS {rss_kib() / 1024:.1f} MiB; {SECONDS:g} s per attack")
    only = os.environ.get("ABUSE_ONLY_EDITORS", "")
    if only:  # "1": the editors' attacks only; "stats" or "events": that one
        for attack in editors_attacks("stats events" if only == "1" else only):
            attack.run()
        return
    for attack in editors_attacks() + [
        Attack("200 idle connections", idle_connections(200)),
        Attack("20 drip-feeding clients (1 header byte/s)", drip, 20),
        Attack("8 keep-alive clients (a request every 4 s)", keep_alive, 8),
        Attack("4 slow export readers (2 KB/s)", slow_export, 4),
        Attack("4 x 10,000 headers of 8 KB", big_headers, 4),
        Attack("4 x 1 GB chunked POST", chunked_body, 4),
        Attack("8 x Range with 2,600 ranges", many_ranges, 8),
        Attack("16 expensive searches at once", expensive_search, 16),
        Attack("8 searches of 140 unknown words (the typo reading's budget)",
               unknown_words_search, 8),
        Attack("16 exports of an expensive query", expensive_export, 16),
        Attack("10 stalled readers of /%65xport (encoded)",
               stalled_readers("/%65xport?q=&format=jsonl", 10)),
        Attack("4 x 200 KB of CR LF before a request", crlf_flood, 4),
        Attack("4 x 8,000 one-byte chunks, long extensions", tiny_chunks, 4),
        Attack("40 stalled /timeline, 5 series, century/day",
               stalled_readers("/timeline?q=a&q=b&q=c&q=d&q=e" + CENTURY, 40)),
        Attack("40 stalled /timeline, 1 series, century/day",
               stalled_readers("/timeline?q=a" + CENTURY, 40)),
        Attack("4 concordances sorted by context (của, 50)", sorted_concordance, 4,
               settle=True),
    ]:
        only = os.environ.get("ABUSE_ONLY", "")
        if not only or any(word in attack.name for word in only.split(",")):
            attack.run()
    time.sleep(1)
    print(f"after the attacks: fresh /search {fresh_search() * 1000:.1f} ms")


if __name__ == "__main__":
    main()
