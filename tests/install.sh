#!/bin/sh
# install.sh CAPSULED_SRC_DIR: `make install` into a temporary DESTDIR, then
# the deployment of docs/DEPLOY.md done for real with what was installed:
# every file in place with sane modes, both manual pages render without a
# groff warning, the systemd unit verifies, and the installed binary,
# started as root with a system user in its config, serves Gemini and
# Gopher as that user with no capability left, inside its sandbox, reloads
# on SIGHUP, reopens its log on SIGUSR1 and stops with status 0 on SIGTERM.
# Needs root (CI runs as root); as anyone else it skips, and passes.
set -u
src=$(cd "${1:-.}" && pwd)
passed=0
failed=0
user=capsuled-test
made_user=0
pid=
tmp=

ok() {
	echo "ok $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL $1"
	failed=$((failed + 1))
}

# check NAME COMMAND...: ok if COMMAND succeeds.
check() {
	name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		fail "$name"
	fi
}

skip() {
	echo "skip $1"
}

if [ "$(id -u)" != 0 ]; then
	echo "skip install: needs root (make install, useradd, privilege drop)"
	echo "install: 0 passed, 0 failed"
	exit 0
fi

cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	[ "$made_user" = 1 ] && userdel "$user" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

tmp=$(mktemp -d)
# The served user walks to the content and the log through this directory.
chmod 0755 "$tmp"
dest=$tmp/dest
prefix=/usr/local
bin=$dest$prefix/bin/capsuled

# --- make install -----------------------------------------------------------

if make -C "$src" --no-print-directory install PREFIX=$prefix \
    DESTDIR="$dest" >"$tmp/make.log" 2>&1; then
	ok "make install PREFIX=$prefix DESTDIR=\$tmp"
else
	fail "make install PREFIX=$prefix DESTDIR=\$tmp"
	sed 's/^/  /' "$tmp/make.log"
	echo "install: $passed passed, $failed failed"
	exit 1
fi

# installed PATH MODE: the file is there, a regular file, with that mode.
installed() {
	f=$dest$1
	if [ ! -f "$f" ]; then
		fail "$1: missing"
		return
	fi
	mode=$(stat -c %a "$f")
	if [ "$mode" = "$2" ]; then
		ok "$1 (mode $mode)"
	else
		fail "$1: mode $mode, expected $2"
	fi
}

installed $prefix/bin/capsuled 755
installed $prefix/share/man/man8/capsuled.8 644
installed $prefix/share/man/man5/capsuled.yaml.5 644
installed $prefix/share/doc/capsuled/capsuled.yaml 644
installed $prefix/lib/systemd/system/capsuled.service 644
installed $prefix/lib/sysusers.d/capsuled.conf 644

# Nothing group- or world-writable, nothing setuid, anywhere installed.
bad=$(find "$dest" \( -perm -0002 -o -perm -0020 -o -perm -4000 \
    -o -perm -2000 \) -print)
if [ -z "$bad" ]; then
	ok "no writable-by-others or set-id file installed"
else
	fail "writable-by-others or set-id: $bad"
fi

if v=$("$bin" --version); then
	ok "installed binary runs: $v"
else
	fail "installed binary: --version"
fi

# --- manual pages ------------------------------------------------------------

if command -v groff >/dev/null 2>&1; then
	for page in man8/capsuled.8 man5/capsuled.yaml.5; do
		f=$dest$prefix/share/man/$page
		if groff -man -Tutf8 -ww "$f" >"$tmp/page.txt" \
		    2>"$tmp/page.err" && [ ! -s "$tmp/page.err" ] &&
		    [ -s "$tmp/page.txt" ]; then
			ok "$page renders without groff warnings"
		else
			fail "$page: groff warnings"
			sed 's/^/  /' "$tmp/page.err"
		fi
	done
else
	skip "manual pages: no groff here (Debian: groff-base)"
fi
if command -v man >/dev/null 2>&1; then
	for page in man8/capsuled.8 man5/capsuled.yaml.5; do
		f=$dest$prefix/share/man/$page
		if MANWIDTH=80 man -l "$f" >"$tmp/page.txt" \
		    2>"$tmp/page.err" && grep -q 'SEE ALSO' "$tmp/page.txt"; then
			ok "man -l $page"
		else
			fail "man -l $page"
			sed 's/^/  /' "$tmp/page.err"
		fi
	done
else
	skip "man -l: no man here"
fi

# Every key --dump-config prints is documented in capsuled.yaml(5).
missing=
for key in $("$bin" --dump-config | sed -n 's/^\([a-z_]*\):.*/\1/p'); do
	grep -q "^\.BR $key: " "$dest$prefix/share/man/man5/capsuled.yaml.5" ||
	    missing="$missing $key"
done
if [ -z "$missing" ]; then
	ok "capsuled.yaml(5) documents every key of --dump-config"
else
	fail "capsuled.yaml(5) lacks:$missing"
fi

# Every option of --help is in capsuled(8).
missing=
sed 's/\\-/-/g' "$dest$prefix/share/man/man8/capsuled.8" >"$tmp/page.src"
for opt in $("$bin" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -q -F -e "$opt" "$tmp/page.src" || missing="$missing $opt"
done
if [ -z "$missing" ]; then
	ok "capsuled(8) documents every option of --help"
else
	fail "capsuled(8) lacks:$missing"
fi

# The example config is accepted, key by key.
if "$bin" --dump-config --config "$dest$prefix/share/doc/capsuled/capsuled.yaml" \
    >/dev/null 2>"$tmp/dump.err"; then
	ok "example capsuled.yaml: every key accepted"
else
	fail "example capsuled.yaml"
	sed 's/^/  /' "$tmp/dump.err"
fi

# --- systemd ----------------------------------------------------------------

unit=$dest$prefix/lib/systemd/system/capsuled.service
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants ExecStart's binary and Documentation='s pages to exist.
	mkdir -p "$tmp/unit"
	sed "s#^ExecStart=$prefix/bin/capsuled#ExecStart=$bin#" "$unit" \
	    >"$tmp/unit/capsuled.service"
	if MANPATH=$dest$prefix/share/man SYSTEMD_LOG_COLOR=0 \
	    systemd-analyze verify "$tmp/unit/capsuled.service" \
	    >"$tmp/verify.log" 2>&1 && [ ! -s "$tmp/verify.log" ]; then
		ok "systemd-analyze verify capsuled.service"
	else
		fail "systemd-analyze verify capsuled.service"
		sed 's/^/  /' "$tmp/verify.log"
	fi
else
	skip "systemd-analyze verify: no systemd-analyze here"
fi
if command -v systemd-sysusers >/dev/null 2>&1; then
	if systemd-sysusers --dry-run "$dest$prefix/lib/sysusers.d/capsuled.conf" \
	    >"$tmp/sysusers.log" 2>&1 &&
	    grep -q "user 'capsuled'" "$tmp/sysusers.log"; then
		ok "systemd-sysusers --dry-run capsuled.conf makes user capsuled"
	else
		fail "systemd-sysusers --dry-run capsuled.conf"
		sed 's/^/  /' "$tmp/sysusers.log"
	fi
else
	skip "systemd-sysusers: not here"
fi

# --- the deployment ---------------------------------------------------------

if id "$user" >/dev/null 2>&1; then
	echo "note: user $user exists already (an earlier run?); using it"
elif useradd --system --no-create-home --shell /usr/sbin/nologin "$user"; then
	made_user=1
else
	fail "useradd $user"
	echo "install: $passed passed, $failed failed"
	exit 1
fi
uid=$(id -u "$user")
gid=$(id -g "$user")

# The content belongs to root and is only readable by the user; the key
# directory belongs to root alone, so only a key read before the drop
# can serve TLS; the log directory is the user's, for SIGUSR1.
mkdir -p "$tmp/srv" "$tmp/certs" "$tmp/log"
cp -R "$src/capsule" "$tmp/srv/capsule"
chmod -R u=rwX,go=rX "$tmp/srv"
chmod 0700 "$tmp/certs"
chown "$user:" "$tmp/log"
chmod 0750 "$tmp/log"

cat >"$tmp/capsuled.yaml" <<EOF
host: localhost
listen: [127.0.0.1]
gemini_port: 0
gopher_port: 0
root: $tmp/srv/capsule
cert_dir: $tmp/certs
user: $user
log: $tmp/log/capsuled.log
EOF

check "--check passes on the deployed config" \
    "$bin" --check --config "$tmp/capsuled.yaml"

# Started as root with no user, it refuses to serve.
sed '/^user:/d' "$tmp/capsuled.yaml" >"$tmp/root.yaml"
"$bin" --config "$tmp/root.yaml" --log stderr --cert-dir "$tmp/root-certs" \
    >"$tmp/root.out" 2>&1 &
rpid=$!
i=0
while kill -0 "$rpid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$rpid" 2>/dev/null; then
	kill -KILL "$rpid"
	wait "$rpid"
	fail "root with no user: still serving"
else
	wait "$rpid"
	rc=$?
	if [ $rc -ne 0 ] && grep -q 'refusing to serve as root' "$tmp/root.out"
	then
		ok "root with no user: refused (exit $rc)"
	else
		fail "root with no user: exit $rc"
		sed 's/^/  /' "$tmp/root.out"
	fi
fi

"$bin" --config "$tmp/capsuled.yaml" 2>"$tmp/stderr" &
pid=$!
i=0
# "serving ROOT: N posts" comes once the sandbox is on.
while ! grep -q ' serving .*posts' "$tmp/stderr" && kill -0 "$pid" 2>/dev/null &&
    [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
gemini=$(sed -n 's/.* listening gemini 127\.0\.0\.1 \([0-9]*\)$/\1/p' \
    "$tmp/stderr")
gopher=$(sed -n 's/.* listening gopher 127\.0\.0\.1 \([0-9]*\)$/\1/p' \
    "$tmp/stderr")
if [ -n "$gemini" ] && [ -n "$gopher" ] && kill -0 "$pid" 2>/dev/null; then
	ok "started as root: listening gemini $gemini, gopher $gopher"
else
	fail "start: no listening lines"
	sed 's/^/  /' "$tmp/stderr"
	echo "install: $passed passed, $failed failed"
	exit 1
fi

# status FIELD: the value of a /proc/PID/status line, tabs as spaces.
status() {
	sed -n "s/^$1:[[:space:]]*//p" "/proc/$pid/status" | tr '\t' ' ' |
	    sed 's/  */ /g'
}
s=$(status Uid)
check "Uid is $user's ($s)" [ "$s" = "$uid $uid $uid $uid" ]
s=$(status Gid)
check "Gid is $user's ($s)" [ "$s" = "$gid $gid $gid $gid" ]
s=$(status Groups | sed 's/ $//')
case $s in
"" | "$gid") ok "no supplementary group but $gid ('$s')" ;;
*) fail "supplementary groups: '$s'" ;;
esac
for cap in CapEff CapPrm CapInh CapAmb; do
	s=$(status $cap)
	check "$cap is 0 ($s)" [ "$s" = 0000000000000000 ]
done
s=$(status NoNewPrivs)
check "NoNewPrivs is 1" [ "$s" = 1 ]
s=$(status Seccomp)
check "a seccomp filter is on (Seccomp: $s)" [ "$s" = 2 ]
s=$(stat -c %U "$tmp/certs/localhost.key" 2>/dev/null)
m=$(stat -c %a "$tmp/certs/localhost.key" 2>/dev/null)
if [ "$s" = root ] && [ "$m" = 600 ]; then
	ok "the key made on first run is root's, mode 0600"
else
	fail "the key made on first run: owner '$s', mode '$m'"
fi

gemini_get() {
	printf 'gemini://localhost/\r\n' | timeout 10 openssl s_client -quiet \
	    -connect "127.0.0.1:$gemini" -servername localhost 2>/dev/null |
	    tr -d '\r'
}
gemini_get >"$tmp/home.gmi"
if head -1 "$tmp/home.gmi" | grep -q '^20 text/gemini' &&
    grep -q 'From Pyongyang to Havana' "$tmp/home.gmi"; then
	ok "Gemini home page over TLS (openssl s_client)"
else
	fail "Gemini home page: $(head -1 "$tmp/home.gmi")"
fi
curl -s --max-time 10 "gopher://127.0.0.1:$gopher/" >"$tmp/home.menu"
if grep -q 'From Pyongyang to Havana' "$tmp/home.menu"; then
	ok "Gopher home menu (curl)"
else
	fail "Gopher home menu: $(head -c 200 "$tmp/home.menu")"
fi
check "the access log is written, as the user's file or root's" \
    grep -q 'gemini://localhost/' "$tmp/log/capsuled.log"

# SIGHUP: content reloaded as the user, inside the sandbox, still serving.
kill -HUP "$pid"
i=0
while ! grep -q 'reloaded\|previous content' "$tmp/stderr" &&
    [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
if grep -q 'reloaded' "$tmp/stderr" && kill -0 "$pid" 2>/dev/null &&
    gemini_get | head -1 | grep -q '^20 '; then
	ok "SIGHUP: content reloaded, still serving"
else
	fail "SIGHUP"
	grep 'reload' "$tmp/stderr" | sed 's/^/  /'
fi

# SIGUSR1, as logrotate does it: move the log away, signal, and a new log
# is made, by the user, in the same directory.
mv "$tmp/log/capsuled.log" "$tmp/log/capsuled.log.1"
kill -USR1 "$pid"
i=0
while [ ! -s "$tmp/log/capsuled.log" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
gemini_get >/dev/null
sleep 0.2
if grep -q 'gemini://localhost/' "$tmp/log/capsuled.log" 2>/dev/null &&
    [ "$(stat -c %U "$tmp/log/capsuled.log")" = "$user" ]; then
	ok "SIGUSR1: log reopened, a new file of $user's"
else
	fail "SIGUSR1: no new log"
	tail -3 "$tmp/stderr" | sed 's/^/  /'
fi

if "$bin" --help | grep -q -- '--sandbox-test'; then
	if "$bin" --sandbox-test --config "$tmp/capsuled.yaml" \
	    >"$tmp/sandbox.out" 2>&1; then
		rc=0
	else
		rc=$?
	fi
	n=$(grep -c 'refused' "$tmp/sandbox.out")
	if [ $rc -eq 0 ] && [ "$n" -gt 0 ] &&
	    ! grep -q 'ALLOWED' "$tmp/sandbox.out"; then
		ok "--sandbox-test: $n actions refused, none allowed"
	else
		fail "--sandbox-test: exit $rc"
		sed 's/^/  /' "$tmp/sandbox.out"
	fi
else
	skip "--sandbox-test: not in this binary's --help"
fi

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
check "SIGTERM: exit status 0 (got $rc)" [ $rc -eq 0 ]

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
