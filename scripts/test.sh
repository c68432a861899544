#!/usr/bin/env bash
# Every test, in two tiers; installs what is missing first.
#   The fast gate (a few minutes): the optimized build, clang-format, and the
#   unit and integration tests (ctest, one test per integration file, two at
#   once). If it fails, the full tier is not run.
#   The full tier:
#   1. one clang build with AddressSanitizer + UndefinedBehaviorSanitizer at
#      -O1 and the libFuzzer targets: the unit and integration tests again
#      (the integration tests start the sanitized tracuu-index and
#      tracuu-server), that server under a mixed load (below), then the
#      fuzzers (analyzer, query parsing, HTML pages) for FUZZ_SECONDS each,
#   2. the integration tests again against tracuu-index and tracuu-server
#      built with ThreadSanitizer, then every endpoint on 12 threads for
#      15 s (tests/stress/mixed_load.py): any data race reported fails the
#      step (tests/tsan.supp: the uninstrumented libraries' false reports),
#   3. the search page in headless Chromium against a real server,
#   4. the reference deployment under load (deploy/cluster-demo.sh: nginx,
#      two replicas and servers killed and restarted): no failed request.
# Each step prints its time. Ends with one line "N passed, N failed"
# (steps), exit status 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-15}  # three fuzzers: 45 s in all (the whole run within 12 min: docs/benchmarks.md, CI)
passed=0
failed=0
failures=()

step() {  # step NAME COMMAND...
  local name=$1 start=$SECONDS
  shift
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "--- $name: ok ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "--- $name: FAILED ($((SECONDS - start)) s)"
  fi
}

bash scripts/install-deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }

build_release() { bash scripts/build.sh; }
format_check() {  # the C++ sources are clang-format clean (.clang-format)
  git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run --Werror
}
# Two test files at once: most of their time is spent waiting on servers,
# timeouts and killed processes, not on the CPU (docs/benchmarks.md#ci).
run_ctest() { ctest --test-dir "${1:-build}" --output-on-failure -j2; }
# One clang build serves the sanitized tests and the fuzzers: ASan+UBSan at
# -O1 (a third of -O0's test time), coverage-instrumented for libFuzzer.
build_sanitized() {
  CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
    -DTRACUU_SANITIZE=ON -DTRACUU_FUZZ=ON >/dev/null &&
    cmake --build build-asan -j "$(nproc)" \
      --target tracuu-unit-tests tracuu-integration-tests analyzer-fuzz query-fuzz html_page-fuzz
}
run_sanitized() {
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    TRACUU_TEST_SLOWDOWN=4 run_ctest build-asan &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 mixed_load build-asan
}
build_tsan() {
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRACUU_TSAN=ON >/dev/null &&
    cmake --build build-tsan -j "$(nproc)" --target tracuu-server tracuu-index
}
mixed_load() {  # BUILD-DIR: its tracuu-server under every endpoint on 12 threads for 15 s, 7 reloads meanwhile
  local db port pid status
  db=$(mktemp -d)
  build/indexer/tracuu-index --db "$db/index" corpus >/dev/null 2>&1 || [[ $? == 2 ]] || return 1
  printf 'Sài Gòn = TP.HCM\n' >"$db/synonyms.txt"
  printf 'pin\tha noi\ttc-2019-0101\n' >"$db/rules.tsv"
  printf 'mixed-load-editor-token-0123456789' >"$db/editor-token"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$1/server/tracuu-server" --db "$db/index" --port "$port" --access-log "$db/access.log" \
    --threads 4 --analytics "$db/analytics.sqlite" --synonyms "$db/synonyms.txt" \
    --rules "$db/rules.tsv" --editor-token "$db/editor-token" 2>"$db/server.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  EDITOR_TOKEN=$(<"$db/editor-token") python3 tests/stress/mixed_load.py "http://127.0.0.1:$port" "$pid" 15
  status=$?
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  ((status == 0)) || tail -40 "$db/server.log"
  rm -rf "$db"
  return $status
}
run_tsan() {  # the optimized build's integration tests, starting the TSan binaries
  local reports status
  reports=$(mktemp -d)
  export TSAN_OPTIONS="log_path=$reports/race suppressions=$PWD/tests/tsan.supp"
  # The TSan indexer is several times slower: tests that race a running
  # indexer use fewer records for the same window (harness::bulk_records).
  TRACUU_BINARY_DIR="$PWD/build-tsan" TRACUU_TEST_SLOWDOWN=4 run_ctest build
  status=$?
  mixed_load build-tsan || status=1
  unset TSAN_OPTIONS
  if compgen -G "$reports/race*" >/dev/null; then
    cat "$reports"/race* | head -200
    status=1
  fi
  rm -rf "$reports"
  return $status
}
fuzz() {  # the fuzzers of build_sanitized
  local t work
  for t in analyzer query html_page; do
    work=$(mktemp -d)
    cp fuzz/corpus/$t/* "$work"/
    build-asan/fuzz/$t-fuzz -max_total_time="$FUZZ_SECONDS" -max_len=4096 -print_final_stats=0 "$work" \
      >"$work/log" 2>&1 || { tail -40 "$work/log"; return 1; }
    echo "$t-fuzz: $(grep -c '' "$work/log") log lines, no crash in ${FUZZ_SECONDS}s"
    rm -rf "$work"
  done
}
browser() {
  local db port widget_port pid status
  db=$(mktemp -d)
  build/indexer/tracuu-index --db "$db/index" corpus >/dev/null || [[ $? == 2 ]] || return 1
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # The widget's test serves a page of another origin on widget_port.
  widget_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf 'browser-editor-token-0123456789' >"$db/editor-token"
  build/server/tracuu-server --db "$db/index" --port "$port" --access-log off \
    --analytics "$db/analytics.sqlite" --cors-origin "http://127.0.0.1:$widget_port" \
    --editor-token "$db/editor-token" 2>"$db/server.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  (cd tests/browser && npm ci --silent --no-audit --no-fund >/dev/null &&
    TRACUU_URL="http://127.0.0.1:$port" WIDGET_PORT="$widget_port" EDITOR_TOKEN=$(<"$db/editor-token") \
      SCREENSHOT_PATH="$db/search-page.png" SCREENSHOT_DIR="$db" \
      node --test page.test.mjs editors.test.mjs)
  status=$?
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  ((status == 0)) || { echo "the server's log:"; tail -40 "$db/server.log"; }
  rm -rf "$db"
  return $status
}

cluster_demo() {
  local out
  out=$(bash deploy/cluster-demo.sh 30) || return 1
  echo "$out"
  tail -1 <<<"$out" | python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(0 if r["failed"] == 0 and 0 <= r["new_articles_visible_s"] <= 60 else 1)'
}

echo "=== the fast gate"
step "build" build_release
step "clang-format" format_check
step "unit and integration tests" run_ctest
if ((failed)); then
  echo "the fast gate failed: the full tier is not run"
else
  echo "=== the full tier"
  step "build with ASan+UBSan and the fuzzers (clang)" build_sanitized
  step "unit and integration tests and a mixed load under ASan+UBSan" run_sanitized
  step "fuzz analyzer, query parser and HTML pages (${FUZZ_SECONDS}s each)" fuzz
  step "build tracuu-index and tracuu-server with TSan" build_tsan
  step "integration tests and a mixed load against the TSan binaries" run_tsan
  step "search page in headless Chromium" browser
  step "cluster demo: nginx, replicas, kills and restarts under load" cluster_demo
fi

((failed)) && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
((failed == 0))
