#!/usr/bin/env python3
"""Every endpoint on many threads at once, with SIGHUP reloads meanwhile.

    mixed_load.py BASE_URL SERVER_PID SECONDS

scripts/test.sh runs it against tracuu-server built with ThreadSanitizer
(with --analytics, --synonyms and --rules, on the bundled corpus): the
integration tests mostly send one request at a time, and a race between two
first requests (the MatchAll crash of session 10) needs many at once.
Fails (exit 1) on a request the server did not answer, a 5xx other than 503
(503 is the server shedding load: too many exports, a full queue), or a
server that no longer answers /health. Seeded: the same sequence each run.
"""
import json
import os
import random
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

base, pid, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
# The editors' token (/stats, /editorial), as scripts/test.sh started the server.
editor = {"Authorization": "Bearer " + os.environ["EDITOR_TOKEN"]} if "EDITOR_TOKEN" in os.environ else {}
ids = ["tc-2019-0101", "xss-test", "pages/thanhuy/2023-03-26-thanh-nien.txt", "no-such-id"]
queries = ["", "binh tan", "ha noi", '"Bình Tân"', "-covid", "thanh uy tphcm", "91/2015/QH13", "b",
           "quận", "kinh te -gia", "Sài Gòn", '""', "title:ha", "a OR b", "(((", "bão NEAR lũ"]


def path(rng):
    q = urllib.parse.quote(rng.choice(queries))
    a = urllib.parse.quote(rng.choice(ids), safe="")
    return rng.choice([
        f"/search?q={q}", f"/search?q={q}&sort=date", f"/search?q={q}&page=2&group=0",
        f"/search?q={q}&recency=strong", f"/search?q={q}&exact=1", f"/timeline?q={q}",
        f"/timeline?q={q}&bin=day", f"/suggest?q={q}", f"/export?q={q}&format=csv",
        f"/export?q={q}", f"/concordance?q={q}&limit=5", f"/feed.atom?q={q}",
        f"/articles/{a}?q={q}", f"/articles/{a}/related?limit=5", "/health", "/metrics",
        "/stats", "/editorial", "/", "/widget.js"])


counts, failures, shed = {}, [], {}
lock = threading.Lock()
stop = time.time() + seconds
# A click quotes the signed token of the search that listed the result
# (past the per-client rate, the server answers 429: not a failure).
with urllib.request.urlopen(base + "/search?analytics=0&q=ha%20noi", timeout=30) as r:
    event_token = json.load(r)["event_token"]


def client(seed):
    rng = random.Random(seed)
    while time.time() < stop:
        p = path(rng)
        try:
            if rng.random() < 0.05:
                p = "/events"
                body = json.dumps({"type": "click", "query": "ha noi", "id": rng.choice(ids),
                                   "token": event_token})
                req = urllib.request.Request(base + p, data=body.encode(),
                                             headers={"Content-Type": "application/json"})
            elif p.startswith(("/stats", "/editorial")):
                req = urllib.request.Request(base + p, headers=editor)
            else:
                req = urllib.request.Request(base + p)
            with urllib.request.urlopen(req, timeout=30) as r:
                r.read()
                code = r.status
        except urllib.error.HTTPError as e:
            code = e.code
        except Exception as e:  # no answer: the server died or dropped us
            code = type(e).__name__
        with lock:
            counts[code] = counts.get(code, 0) + 1
            if not isinstance(code, int) or (code >= 500 and code != 503):
                failures.append(f"{p}: {code}")
            if code == 503:
                endpoint = p.split("?")[0]
                shed[endpoint] = shed.get(endpoint, 0) + 1


threads = [threading.Thread(target=client, args=(k,)) for k in range(12)]
for t in threads:
    t.start()
while time.time() < stop:
    time.sleep(2)
    os.kill(pid, signal.SIGHUP)  # reload the editors' files and reopen the logs
for t in threads:
    t.join()
try:
    healthy = urllib.request.urlopen(base + "/health", timeout=10).status == 200
except Exception:
    healthy = False
print("mixed load:", json.dumps({str(k): v for k, v in sorted(counts.items(), key=str)}),
      "healthy" if healthy else "NOT HEALTHY", "; shed (503):", json.dumps(shed, sort_keys=True))
for f in failures[:20]:
    print("  failed:", f)
sys.exit(0 if healthy and not failures else 1)
