#!/usr/bin/env bash
# Installs the Debian packages ringmaster needs, only those that are missing,
# then the browser test's npm packages (tests/browser) when they are missing or
# older than package-lock.json.
# Non-interactive; safe to run again. Needs root (or sudo) when something is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pkgs=(
  g++ cmake ninja-build pkg-config make
  libevent-dev libzmq3-dev cppzmq-dev libcpp-httplib-dev libinih-dev
  nlohmann-json3-dev libgtest-dev libedit-dev libcli11-dev
  chromium
  # `make fuzz`: clang, and libFuzzer with clang's sanitizer runtimes
  # (libclang_rt.fuzzer*.a, libclang_rt.asan*.a; Debian ships them apart from
  # clang). gcc's ASan/UBSan runtimes for `make test SANITIZE=1` come with g++.
  clang libclang-rt-dev
  # Man pages from markdown (docs/man, at build time), rendered by `man -l`
  # in a test; `make package`'s dependency list (dpkg-shlibdeps) and the
  # package test (dpkg-deb); the completion tests (zsh, and bash-completion,
  # whose word splitting the bash script uses when it is loaded).
  pandoc man-db dpkg-dev zsh bash-completion
  # The /metrics e2e test: a real Prometheus scrapes the daemon and is
  # queried back; promtool lints the exposition text.
  prometheus
)
# Node may come from elsewhere (e.g. nodesource); Debian's only when there is none.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The browser test's driver (playwright-core, pinned by package-lock.json).
# It uses /usr/bin/chromium and downloads no browser.
browser="$root/tests/browser"
stamp="$browser/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$browser/package-lock.json" -nt "$stamp" ]; then
  echo "install-deps: npm ci in tests/browser"
  (cd "$browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
