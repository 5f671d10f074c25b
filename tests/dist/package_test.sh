#!/bin/sh
# package_test.sh CPACK BUILD_DIR SOURCE_DIR VERSION: builds the Debian package
# from the build dir (no rebuild: CPack runs the install rules into a temp
# dir), checks its metadata and contents, unpacks it into a scratch root and
# runs the installed programs from there. Under CI as root it also installs
# the package with dpkg -i and purges it again.
set -eu
cpack=$1 build=$2 src=$3 version=$4
tmp=$(mktemp -d)
installed=""
cleanup() {
  [ -z "$installed" ] || dpkg --purge ringmaster >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "package_test: $*" >&2; exit 1; }

"$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
  fail "cpack failed:
$(cat "$tmp/cpack.log")"
deb=$(ls "$tmp"/out/*.deb)
[ -f "$deb" ] || fail "no .deb in $tmp/out: $(ls "$tmp/out")"
echo "built $(basename "$deb")"

# Metadata: name, version, dependencies computed from the binaries.
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = ringmaster ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', not $version"
depends=$(field Depends)
for lib in libc6 libstdc++6 libzmq5 libevent-core libedit2; do
  echo "$depends" | grep -q "$lib" || fail "Depends lacks $lib: $depends"
done
dpkg-deb -e "$deb" "$tmp/control"
grep -qx /etc/ringmaster/watchers.ini "$tmp/control/conffiles" ||
  fail "/etc/ringmaster/watchers.ini is not a conffile"

# Contents: programs, man pages, completion, example config; nothing else in bin.
dpkg-deb -c "$deb" | awk '{print $NF}' >"$tmp/files"
for f in ./usr/sbin/ringmasterd ./usr/bin/ringctl \
  ./usr/share/man/man8/ringmasterd.8.gz ./usr/share/man/man1/ringctl.1.gz \
  ./usr/share/man/man5/watchers.ini.5.gz \
  ./usr/share/bash-completion/completions/ringctl ./usr/share/zsh/vendor-completions/_ringctl \
  ./etc/ringmaster/watchers.ini; do
  grep -qx -e "$f" "$tmp/files" || fail "$f is not in the package:
$(cat "$tmp/files")"
done
if [ -f "$src/dist/ringmaster.service" ]; then
  grep -q '/lib/systemd/system/ringmaster.service$' "$tmp/files" ||
    fail "the systemd unit is not in the package"
fi
extra=$(grep -E '^\./usr/s?bin/.' "$tmp/files" | grep -vxE '\./usr/(sbin/ringmasterd|bin/ringctl)' || true)
[ -z "$extra" ] || fail "unexpected programs in the package: $extra"

# The unpacked programs run from the scratch root.
root=$tmp/root
dpkg-deb -x "$deb" "$root"
out=$("$root/usr/sbin/ringmasterd" --check "$root/etc/ringmaster/watchers.ini" 2>&1) ||
  fail "ringmasterd --check on the example config failed: $out"
echo "$out" | grep -q "ok (1 watcher(s))" || fail "unexpected --check output: $out"
out=$("$root/usr/bin/ringctl" --help 2>&1) || fail "ringctl --help failed: $out"
echo "$out" | grep -q "Usage: ringctl" || fail "unexpected ringctl --help output: $out"
"$root/usr/bin/ringctl" --version | grep -qF "$version" || fail "ringctl --version is not $version"
bash -n "$root/usr/share/bash-completion/completions/ringctl" || fail "bash completion does not parse"
zcat "$root/usr/share/man/man1/ringctl.1.gz" | grep -q '^\.TH' || fail "ringctl.1.gz is not a man page"
echo "scratch root: ok"

# A real install, only where it is expected (CI runs as root on a scratch
# machine) and nothing called ringmaster is installed already.
if [ -n "${CI:-}" ] && [ "$(id -u)" -eq 0 ] && ! dpkg-query -W ringmaster >/dev/null 2>&1; then
  installed=yes
  dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || fail "dpkg -i failed: $(cat "$tmp/dpkg.log")"
  /usr/sbin/ringmasterd --check /etc/ringmaster/watchers.ini >/dev/null ||
    fail "installed ringmasterd --check failed"
  /usr/bin/ringctl --help >/dev/null || fail "installed ringctl --help failed"
  dpkg --purge ringmaster >/dev/null || fail "dpkg --purge failed"
  installed=""
  echo "dpkg -i: ok"
fi
