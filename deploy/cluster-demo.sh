#!/usr/bin/env bash
# The reference deployment on one machine, on loopback ports
# (docs/operations.md#deployment): a master index written by tracuu-index,
# xapian-replicate-server serving it, two replicas kept by xapian-replicate,
# a tracuu-server on each, and nginx (deploy/nginx/tracuu.conf, as the
# current user with its own prefix) in front of both. Under a bounded mixed
# load through nginx it runs the nightly job on the master, kills one server
# and then one replica's follower, restarts them, and restarts both servers
# in turn (SIGTERM drains). Last line:
#   {"requests": N, "failed": N, "new_articles_visible_s": S, "p99_ms": X}
# new_articles_visible_s: from the job's end until both servers answer with
# its articles (-1 if not within 60 s).
#   bash deploy/cluster-demo.sh [seconds of load, default 40]
# CORPUS=path (a .jsonl[.gz] file or a folder; default the bundled corpus/)
# BUILD=build folder (default build/); KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-40}
corpus=${CORPUS:-$root/corpus}
build=${BUILD:-$root/build}
for tool in nginx xapian-replicate xapian-replicate-server python3 curl; do
  command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin command -v "$tool" >/dev/null ||
    { echo "cluster-demo: needs $tool (bash scripts/install-deps.sh --test)" >&2; exit 1; }
done
nginx_bin=$(PATH=$PATH:/usr/sbin command -v nginx)
work=$(mktemp -d /tmp/tracuu-cluster-XXXXXX)
pids=()
cleanup() {
  exec 2>/dev/null  # bash's notices of killed jobs would follow the summary line
  # SIGKILL: xapian-replicate-server does not stop on SIGTERM while it serves.
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [[ -f $work/nginx/nginx.pid ]] && "$nginx_bin" -p "$work/nginx" -c nginx.conf -s stop 2>/dev/null || true
  wait 2>/dev/null || true
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT
log() { printf 'cluster-demo: %s %s\n' "$(date +%T.%3N)" "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# --- the master and its replication server ---------------------------------
export XAPIAN_MAX_CHANGESETS=50  # the job writes changesets for the followers
log "indexing $corpus on the master"
"$build/indexer/tracuu-index" --db "$work/master/index" "$corpus" >/dev/null 2>"$work/index-0.log" || [[ $? == 2 ]]
repl_port=$(free_port)
xapian-replicate-server -I 127.0.0.1 -p "$repl_port" "$work/master" >"$work/replicate-server.log" 2>&1 &
pids+=($!)

# --- followers and servers ---------------------------------------------------
declare -A follower server port
start_follower() {  # start_follower N
  mkdir -p "$work/replica$1"  # xapian-replicate makes the replica folder, not its parent
  xapian-replicate -h 127.0.0.1 -p "$repl_port" -m index -i 1 -r 0 "$work/replica$1/index" \
    >>"$work/follower$1.log" 2>&1 &
  follower[$1]=$!
  pids+=($!)
}
start_server() {  # start_server N: returns once it answers /health
  "$build/server/tracuu-server" --db "$work/replica$1/index" --port "${port[$1]}" --threads 2 \
    --drain-ms 5000 --access-log "$work/access$1.log" 2>>"$work/server$1.log" &
  server[$1]=$!
  pids+=($!)
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:${port[$1]}/health" >/dev/null && return 0
    sleep 0.05
  done
  log "server $1 did not start"; cat "$work/server$1.log" >&2; exit 1
}
for n in 1 2; do
  port[$n]=$(free_port)
  start_follower "$n"
done
# A new replica's stub first names an empty database while xapian-replicate
# makes its first full copy beside it (then switches the stub): a server
# started before that answers from an empty index. Wait for the copy.
documents() { xapian-delve "$1" 2>/dev/null | awk -F' = ' '/number of documents/ {print $2}'; }
master_docs=$(documents "$work/master/index")
for n in 1 2; do
  for _ in $(seq 1200); do [[ $(documents "$work/replica$n/index") == "$master_docs" ]] && break; sleep 0.1; done
  start_server "$n"
done

# --- nginx --------------------------------------------------------------------
nginx_port=$(free_port)
mkdir -p "$work/nginx/logs" "$work/nginx/temp"
# Run as root (a CI container), nginx's workers become nobody: they must be
# able to reach the prefix and write its temp folders.
chmod 755 "$work"
chmod 777 "$work/nginx/temp"
# deploy/nginx/tracuu.conf with the demo's ports; the per-address request
# rate is lifted (all the demo's load comes from one address).
sed -e "s/127.0.0.1:8081/127.0.0.1:${port[1]}/; s/127.0.0.1:8082/127.0.0.1:${port[2]}/" \
    -e "s/listen 8080;/listen 127.0.0.1:$nginx_port;/" -e "s/rate=50r\/s/rate=10000r\/s/" \
    deploy/nginx/tracuu.conf >"$work/nginx/tracuu.conf"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log $work/nginx/logs/access.log;
  client_body_temp_path $work/nginx/temp/body;
  proxy_temp_path $work/nginx/temp/proxy;
  fastcgi_temp_path $work/nginx/temp/fastcgi;
  uwsgi_temp_path $work/nginx/temp/uwsgi;
  scgi_temp_path $work/nginx/temp/scgi;
  include $work/nginx/tracuu.conf;
}
CONF
"$nginx_bin" -p "$work/nginx" -c nginx.conf
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$nginx_port/health" >/dev/null && break; sleep 0.05; done

# --- the load ------------------------------------------------------------------
python3 - "$corpus" "$work/paths.txt" <<'PY'
import glob, gzip, json, os, random, sys, urllib.parse
corpus, out = sys.argv[1], sys.argv[2]
files = [corpus] if os.path.isfile(corpus) else sorted(glob.glob(corpus + "/**/*.jsonl*", recursive=True))
articles = []
for f in files:
    for line in (gzip.open if f.endswith(".gz") else open)(f, "rt", encoding="utf-8"):
        try: articles.append(json.loads(line))
        except ValueError: pass
        if len(articles) >= 2000: break
rng = random.Random(18)
paths = []
for a in articles:
    words = [w.strip(".,:;!?\"'()") for w in a.get("title", "").split()]
    words = [w for w in words if w]
    if len(words) < 2: continue
    k = rng.randint(1, min(3, len(words))); s = rng.randint(0, len(words) - k)
    q = urllib.parse.quote(" ".join(words[s:s + k]))
    aid = urllib.parse.quote(a["id"], safe="")
    paths += ["/search?limit=10&q=" + q] * 6 + ["/suggest?q=" + urllib.parse.quote(words[0][:3]),
              "/articles/" + aid, "/articles/" + aid + "/related?limit=5", "/timeline?q=" + q]
rng.shuffle(paths)
open(out, "w").write("\n".join(paths) + "\n")
PY
log "load: ${seconds}s through nginx on 127.0.0.1:$nginx_port"
python3 deploy/loadgen.py "127.0.0.1:$nginx_port" "$work/paths.txt" "$seconds" 4 200 >"$work/load.json" &
load=$!
start=$(now)
at() { python3 -c "import time; time.sleep(max(0, $start + $1 - time.time()))"; }  # at SECONDS

# The nightly job: new articles on the master; both servers must find them.
at 3
token="zqtoken$RANDOM"
python3 -c "
import json
for i in range(20):
    print(json.dumps({'id': 'demo-$token-%d' % i, 'title': 'Tin mới $token số %d' % i,
                      'body': 'Bài viết mới của đêm nay.', 'published': '2026-11-30'}))" >"$work/new.jsonl"
"$build/indexer/tracuu-index" --db "$work/master/index" "$work/new.jsonl" >/dev/null 2>"$work/index-1.log" || [[ $? == 2 ]]
job_end=$(now)
visible=-1
while python3 -c "import sys; sys.exit(0 if $(now) - $job_end < 60 else 1)"; do
  seen=0
  for n in 1 2; do
    curl -s "http://127.0.0.1:${port[$n]}/search?q=$token" | grep -q '"total": *20' && seen=$((seen + 1))
  done
  if ((seen == 2)); then visible=$(python3 -c "print(round($(now) - $job_end, 2))"); break; fi
  sleep 0.2
done
log "new articles visible on both replicas after ${visible}s"

# A server crashes (SIGKILL: its requests in flight are cut; nginx retries them).
at 8
log "killing server 1"
kill -9 "${server[1]}"; { wait "${server[1]}"; } 2>/dev/null || true
sleep 2
start_server 1
# A rebuild on the master (a new database: each replica takes a full copy
# and switches its stub to it), and a follower killed while it may be
# copying: its replica stays as it was meanwhile, and catches up after.
at 12
log "rebuilding the master's index"
for n in 1 2; do cp "$work/replica$n/index/XAPIANDB" "$work/stub$n.before"; done
"$build/indexer/tracuu-index" --db "$work/master/index" --rebuild "$corpus" "$work/new.jsonl" \
  >/dev/null 2>"$work/index-2.log" &
rebuild=$!
pids+=($rebuild)
at 14
log "killing replica 2's follower"
kill -9 "${follower[2]}"; { wait "${follower[2]}"; } 2>/dev/null || true
sleep 2
start_follower 2
# A rolling restart: each server drains (SIGTERM) and starts again. nginx
# counts the refused connections of a draining server as failures and
# leaves it out for fail_timeout (5 s) even once it answers again: the next
# server is restarted only after that, or nginx would have no server left
# for a few seconds (502; measured: 901 of 18,004 requests with a 2 s pause).
at 20
for n in 1 2; do
  log "restarting server $n (SIGTERM)"
  kill -TERM "${server[$n]}"; wait "${server[$n]}" 2>/dev/null || true
  start_server "$n"
  [[ $n == 2 ]] || sleep 6
done
wait "$load"
log "load: $(cat "$work/load.json")"
wait "$rebuild" || [[ $? == 2 ]] || { log "the rebuild failed: $(tail -3 "$work/index-2.log")"; exit 1; }
# After the rebuild and the follower's restart, each replica has switched
# to a full copy of the new database and its server counts what the master has.
master_docs=$(documents "$work/master/index")
for n in 1 2; do
  docs=
  for _ in $(seq 300); do  # 60 s: a full copy of a large index takes a while
    docs=$(curl -s "http://127.0.0.1:${port[$n]}/health" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("documents"))')
    [[ $docs == "$master_docs" && $(cat "$work/replica$n/index/XAPIANDB") != "$(cat "$work/stub$n.before")" ]] && break
    sleep 0.2
  done
  [[ $docs == "$master_docs" ]] || { log "replica $n has $docs documents, the master $master_docs"; exit 1; }
done
log "both replicas switched to the rebuilt index ($master_docs documents)"
[[ ${KEEP:-0} == 1 ]] && log "kept $work"
python3 - "$work/load.json" "$visible" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(json.dumps({"requests": r["requests"], "failed": r["failed"],
                  "new_articles_visible_s": float(sys.argv[2]), "p99_ms": r["p99_ms"]}))
PY
