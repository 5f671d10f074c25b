#!/bin/sh
# man_pages_test.sh MANDIR: each generated page renders with `man -l` (groff
# warnings on) without a word on stderr, and says what it must.
set -eu
dir=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "man_pages_test: $*" >&2; exit 1; }
command -v man >/dev/null || fail "man not found (Debian package man-db; run make deps)"

# check PAGE NAME-LINE WORD...: renders PAGE, finds the NAME line and each WORD.
check() {
  page=$1 name=$2
  shift 2
  [ -s "$dir/$page" ] || fail "$dir/$page is missing (built by pandoc; run make deps)"
  MANWIDTH=80 MAN_KEEP_FORMATTING=0 man --warnings -l "$dir/$page" >"$tmp/out" 2>"$tmp/err" ||
    fail "$page: man -l failed: $(cat "$tmp/err")"
  [ ! -s "$tmp/err" ] || fail "$page: warnings on stderr:
$(cat "$tmp/err")"
  col -b <"$tmp/out" >"$tmp/text"
  grep -q '^NAME' "$tmp/text" || fail "$page: no NAME section"
  grep -qF "$name" "$tmp/text" || fail "$page: no '$name' line:
$(head -20 "$tmp/text")"
  for word in "$@"; do
    grep -qF -e "$word" "$tmp/text" || fail "$page: does not mention '$word'"
  done
  echo "$page: ok"
}

check ringmasterd.8 "ringmasterd - supervise long-running processes" \
  --check --log-level SIGHUP SIGUSR2 "EXIT STATUS" /etc/ringmaster/watchers.ini "ringctl(1)"
check ringctl.1 "ringctl - control a running ringmasterd" \
  status restart reloadconfig listen --json --wait --timeout --endpoint RINGMASTER_ENDPOINT \
  "EXIT STATUS" "watchers.ini(5)"
check watchers.ini.5 "watchers.ini - ringmasterd configuration file" \
  "[circus]" "[watcher:NAME]" numprocesses "ringmasterd(8)"
# With the config reference spliced in, its sections are man sections.
if [ "${2:-}" = with-config ]; then
  check watchers.ini.5 "watchers.ini - ringmasterd configuration file" graceful_timeout httpd_port
fi
