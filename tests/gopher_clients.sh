#!/bin/sh
# gopher_clients.sh CAPSULED: the bundled capsule as real Gopher clients
# see it. lynx -dump and curl fetch the home menu and the post; sacc,
# bombadillo and the UMN gopher client are driven in tmux (a tmux server
# of our own, its socket in the temporary directory; 100x40 panes): each
# must show the home menu with the post's title, open the post and show
# its title and a section heading.
# Prints ok/FAIL per check, then "gopher-clients: N passed, N failed";
# exits 1 on failure. Every wait is bounded; the server (by its PID) and
# the tmux sessions are always cleaned up. POSIX sh.
set -u
bin=${1:-./capsuled}
here=$(cd "$(dirname "$0")" && pwd)
menu_py="$here/integration/menu.py"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gopher-clients.XXXXXX")
passed=0
failed=0
pid=

cleanup() {
	[ -S "$tmp/tmux.sock" ] && tmux -S "$tmp/tmux.sock" kill-server 2>/dev/null
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() {
	passed=$((passed + 1))
	echo "ok $1"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL $1: $2"
}

finish() {
	echo "gopher-clients: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

if [ ! -x "$bin" ]; then
	fail setup "no executable capsuled at $bin"
	finish
fi

# As root (CI), serve as nobody: the way a VPS runs it, privileges dropped.
as_user=
[ "$(id -u)" = 0 ] && as_user="--user nobody"
"$bin" $as_user --listen 127.0.0.1 --gemini-port 0 --gopher-port 0 \
    --cert-dir "$tmp/certs" "$here/../capsule" 2>"$tmp/log" &
pid=$!
port=
i=0
while [ $i -lt 100 ]; do
	port=$(sed -n 's/.*listening gopher 127\.0\.0\.1 \([0-9][0-9]*\)$/\1/p' \
	    "$tmp/log" | head -1)
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$port" ]; then
	fail setup "no 'listening gopher' line within 10 s: $(tail -5 "$tmp/log")"
	finish
fi
# "serving DIR: N posts" comes once privileges are dropped and the sandbox
# is on; a server that cannot get there exits.
i=0
while [ $i -lt 100 ] && ! grep -q ' serving ' "$tmp/log"; do
	if ! kill -0 "$pid" 2>/dev/null; then
		fail setup "capsuled exited at start: $(tail -3 "$tmp/log")"
		finish
	fi
	sleep 0.1
	i=$((i + 1))
done

base="gopher://127.0.0.1:$port"
post=/2013/08/proletarian-internationalism-of-north-korea.txt
title="Proletarian Internationalism of North Korea"
entry="2013-08-08 $title"
underline="==========================================="   # 43, the title's
h1="SUBMISSION OF DOCTORS TO POOR COUNTRIES"
h2="SOLIDARITY WITH PALESTINE."

# has NAME FILE HOW PATTERN...: every pattern is in FILE, as a whole line
# (HOW=xF, leading and trailing blanks ignored) or anywhere (HOW=F).
has() {
	name=$1
	file=$2
	how=$3
	shift 3
	sed 's/\r$//; s/^[[:space:]]*//; s/[[:space:]]*$//' "$file" \
	    >"$file.trim"
	for pat in "$@"; do
		if ! grep -q "-$how" -- "$pat" "$file.trim"; then
			fail "$name" "no \"$pat\" in $(wc -c <"$file") bytes\
 (start: $(head -c 160 "$file.trim" | tr '\n\t' '| '))"
			return 1
		fi
	done
	ok "$name"
}

# ---- lynx -dump
timeout 20 lynx -dump "$base/1/" >"$tmp/lynx-home" 2>&1
has "lynx home menu" "$tmp/lynx-home" F "From Pyongyang to Havana" \
    "$entry" "2013 (1 post)"

timeout 20 lynx -dump "$base/0$post" >"$tmp/lynx-post" 2>&1
has "lynx post" "$tmp/lynx-post" xF "$title" "$underline" "$h1" "$h2"

# ---- curl
timeout 20 curl -s --max-time 15 "$base/" >"$tmp/curl-home"
rc=$?
if [ $rc -ne 0 ]; then
	fail "curl home menu" "curl exited $rc"
elif ! printf '0%s\t%s\tlocalhost\t%s\r\n' "$entry" "$post" "$port" \
    >"$tmp/want-line" || ! grep -qF -f "$tmp/want-line" "$tmp/curl-home"; then
	fail "curl home menu" "no item line \"0$entry<TAB>$post<TAB>localhost<TAB>$port\""
elif ! probs=$(python3 "$menu_py" menu "$tmp/curl-home" 67 localhost \
    "$port" 2>&1); then
	fail "curl home menu" "invalid menu: $(echo "$probs" | head -3)"
else
	ok "curl home menu"
fi

timeout 20 curl -s --max-time 15 "$base/0$post" >"$tmp/curl-post"
rc=$?
if [ $rc -ne 0 ]; then
	fail "curl post" "curl exited $rc"
elif ! probs=$(python3 "$menu_py" text "$tmp/curl-post" 67 2>&1); then
	fail "curl post" "invalid text: $(echo "$probs" | head -3)"
else
	has "curl post" "$tmp/curl-post" xF "$title" "$underline" "$h1" "$h2"
fi

# ---- terminal clients in tmux
tmux_() {
	tmux -S "$tmp/tmux.sock" -f /dev/null "$@"
}

# start NAME COMMAND: a detached 100x40 session running COMMAND; when the
# command ends the pane shows "[exited STATUS]" and stays a while.
start() {
	tmux_ new-session -d -s "$1" -x 100 -y 40 \
	    "env HOME='$tmp/home' XDG_CONFIG_HOME='$tmp/home/.config' \
	    LANG=C.UTF-8 LC_ALL=C.UTF-8 PAGER=less LESS= LESSHISTFILE=- $2; \
	    echo \"[exited \$?]\"; sleep 60"
}

screen() {
	tmux_ capture-pane -p -t "$1" >"$tmp/screen.$1" 2>/dev/null
}

# wait_for SESSION SECONDS PATTERN...: polls the pane until every pattern
# (fixed string) shows at once; 1 if the time runs out.
wait_for() {
	s=$1
	n=$(($2 * 10))
	shift 2
	while [ $n -gt 0 ]; do
		screen "$s"
		all=1
		for pat in "$@"; do
			grep -qF -- "$pat" "$tmp/screen.$s" || { all=0; break; }
		done
		[ $all -eq 1 ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# page_until SESSION KEY TIMES PATTERN: presses KEY until PATTERN shows.
page_until() {
	s=$1
	key=$2
	k=$3
	pat=$4
	while [ "$k" -gt 0 ]; do
		wait_for "$s" 1 "$pat" && return 0
		tmux_ send-keys -t "$s" "$key"
		k=$((k - 1))
	done
	wait_for "$s" 2 "$pat"
}

# shown SESSION: the start of the screen and the server's last log line.
shown() {
	printf '%s [server log: %s]' \
	    "$(head -c 300 "$tmp/screen.$1" | tr -s '\n ' '| ')" \
	    "$(grep ' gopher ' "$tmp/log" | tail -1 | cut -c26-)"
}

mkdir -p "$tmp/home/.config"
# A session that outlives the clients' ones: tmux exits with its last
# session, and a new-session racing that exit fails.
tmux_ new-session -d -s keep -x 100 -y 40 "sleep 600"

# client NAME: the steps of each client, as a case below.
client() {
	name=$1
	if ! command -v "$name" >/dev/null 2>&1; then
		fail "$name" "not installed"
		return
	fi
	case $name in
	sacc)
		start sacc "sacc $base/1/"
		if ! wait_for sacc 10 "$entry" "2013 (1 post)"; then
			fail "sacc home menu" "no post entry; screen: $(shown sacc)"
			return
		fi
		ok "sacc home menu"
		# J: the next link item (the post); Enter opens it in $PAGER.
		tmux_ send-keys -t sacc J
		sleep 0.3
		tmux_ send-keys -t sacc Enter
		if ! wait_for sacc 10 "$title" "$underline"; then
			fail "sacc post" "no post text; screen: $(shown sacc)"
			return
		fi
		tmux_ send-keys -t sacc "/$h1" Enter
		if ! wait_for sacc 5 "$h1"; then
			fail "sacc post" "no heading \"$h1\"; screen: $(shown sacc)"
			return
		fi
		ok "sacc post"
		tmux_ send-keys -t sacc q        # the pager
		wait_for sacc 5 "$entry"
		tmux_ send-keys -t sacc q        # sacc
		if wait_for sacc 5 "[exited 0]"; then
			ok "sacc quits"
		else
			fail "sacc quits" "screen: $(shown sacc)"
		fi
		;;
	bombadillo)
		start bombadillo "bombadillo $base/1/"
		if ! wait_for bombadillo 10 "$entry" "2013 (1 post)"; then
			fail "bombadillo home menu" \
			    "no post entry; screen: $(shown bombadillo)"
			return
		fi
		ok "bombadillo home menu"
		# ":" line command mode, a link number follows it.
		tmux_ send-keys -t bombadillo :
		sleep 0.3
		tmux_ send-keys -t bombadillo 1 Enter
		if ! wait_for bombadillo 10 "$title" "$underline"; then
			fail "bombadillo post" \
			    "no post text; screen: $(shown bombadillo)"
			return
		fi
		tmux_ send-keys -t bombadillo /
		sleep 0.3
		tmux_ send-keys -t bombadillo "$h2" Enter
		if ! wait_for bombadillo 5 "$h2"; then
			fail "bombadillo post" \
			    "no heading \"$h2\"; screen: $(shown bombadillo)"
			return
		fi
		ok "bombadillo post"
		tmux_ send-keys -t bombadillo q
		if wait_for bombadillo 5 "[exited 0]"; then
			ok "bombadillo quits"
		else
			fail "bombadillo quits" "screen: $(shown bombadillo)"
		fi
		;;
	gopher)
		# The UMN client asks "TAB $" (Gopher+) for the menu, and
		# uses Gopher+ requests for items the reply marks "+".
		start umn "gopher 127.0.0.1 $port"
		wait_for umn 10 "Press RETURN" && tmux_ send-keys -t umn Enter
		if ! wait_for umn 10 "$entry" "2013 (1 post)"; then
			fail "gopher (UMN) home menu" \
			    "no post entry; screen: $(shown umn)"
			return
		fi
		ok "gopher (UMN) home menu"
		# The cursor starts on the first link: the post.
		tmux_ send-keys -t umn Enter
		if ! wait_for umn 10 "$title" "$underline"; then
			fail "gopher (UMN) post" "the post did not open; screen:\
 $(shown umn)"
			return
		fi
		if ! page_until umn Space 20 "$h1"; then
			fail "gopher (UMN) post" \
			    "no heading \"$h1\"; screen: $(shown umn)"
			return
		fi
		ok "gopher (UMN) post"
		;;
	esac
}

for c in sacc bombadillo gopher; do
	client "$c"
	tmux_ kill-session -t "$c" 2>/dev/null
	[ "$c" = gopher ] && tmux_ kill-session -t umn 2>/dev/null
done

if ! kill -0 "$pid" 2>/dev/null; then
	fail server "capsuled died: $(tail -3 "$tmp/log")"
fi
finish
