#!/usr/bin/env bash
# Installs what tracuu needs to build, test and demo, from Debian's packages
# (and the browser test's npm packages). Safe to run again: it installs only
# what is missing. Run as root on Debian 12.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git ca-certificates
  libxapian-dev xapian-tools libicu-dev libcpp-httplib-dev nlohmann-json3-dev doctest-dev zlib1g-dev
  libjemalloc-dev libzstd-dev libsqlite3-dev libssl-dev libgumbo-dev
  curl
)
if [[ "${1:-}" == "--test" ]]; then
  # Fuzzing (clang + libFuzzer), the browser test, HTTP benchmarks, a real
  # feed parser for the Atom test, the cluster demo's load balancer and
  # systemd-analyze for the unit files' test (nginx's service is not started
  # by the demo: it runs its own, as the current user).
  packages+=(clang clang-format libclang-rt-14-dev chromium wrk python3-feedparser nginx systemd)
  command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
