#!/usr/bin/env bash
# Installs the Debian packages ringmaster needs, only those that are missing.
# Non-interactive; safe to run again. Needs root (or sudo) when something is missing.
set -euo pipefail
pkgs=(
  g++ cmake ninja-build pkg-config make
  libevent-dev libzmq3-dev cppzmq-dev libcpp-httplib-dev libinih-dev
  nlohmann-json3-dev libgtest-dev libedit-dev libcli11-dev
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
