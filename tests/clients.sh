#!/bin/sh
# clients.sh CAPSULED: the bundled capsule as real clients see it:
# openssl s_client and gnutls-cli fetch the home page, the 2013 and
# 2013/08 indexes and the post, and must show its title and headings.
set -u
bin=${1:-./capsuled}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
passed=0
failed=0
pid=

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# As root (CI), serve as nobody: the way a VPS runs it, privileges dropped.
as_user=
[ "$(id -u)" = 0 ] && as_user="--user nobody"
"$bin" $as_user --listen 127.0.0.1 --gemini-port 0 --gopher-port 0 \
    --cert-dir "$tmp/certs" \
    "$here/../capsule" 2>"$tmp/log" &
pid=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/.*listening gemini 127.0.0.1 \([0-9]*\)$/\1/p' "$tmp/log")
	[ -n "$port" ] && break
	sleep 0.05
done
if [ -z "$port" ]; then
	cat "$tmp/log"
	echo "clients: 0 passed, 1 failed"
	exit 1
fi

post=/2013/08/proletarian-internationalism-of-north-korea.gmi

s_client() {
	printf 'gemini://localhost:%s%s\r\n' "$port" "$1" |
	    timeout 10 openssl s_client -quiet -connect "127.0.0.1:$port" \
	    -servername localhost 2>/dev/null
}

gnutls() {
	printf 'gemini://localhost:%s%s\r\n' "$port" "$1" |
	    timeout 10 gnutls-cli --insecure --port "$port" \
	    --sni-hostname localhost 127.0.0.1 2>&1
}

# expect NAME FILE PATTERN...: every pattern is a fixed line in FILE.
expect() {
	name=$1
	file=$2
	shift 2
	for pat in "$@"; do
		if ! grep -qxF -- "$pat" "$file"; then
			failed=$((failed + 1))
			echo "FAIL $name: no line \"$pat\""
			return
		fi
	done
	passed=$((passed + 1))
	echo "ok $name"
}

for client in s_client gnutls; do
	$client / >"$tmp/home" 
	expect "$client home" "$tmp/home" "# From Pyongyang to Havana" \
	    "=> $post 2013-08-08 Proletarian Internationalism of North Korea" \
	    "=> /2013/ 2013 (1 post)"
	$client /2013/ >"$tmp/year"
	expect "$client 2013" "$tmp/year" "# 2013" "## August 2013" \
	    "=> /2013/08/ August 2013 (1 post)"
	$client /2013/08/ >"$tmp/month"
	expect "$client 2013/08" "$tmp/month" "# August 2013" \
	    "=> $post 2013-08-08 Proletarian Internationalism of North Korea"
	$client "$post" >"$tmp/post"
	tr -d '\r' <"$tmp/post" >"$tmp/post.lf"
	expect "$client post" "$tmp/post.lf" \
	    "20 text/gemini; lang=en" \
	    "# Proletarian Internationalism of North Korea" \
	    "## SUBMISSION OF DOCTORS TO POOR COUNTRIES" \
	    "## SOLIDARITY WITH PALESTINE." \
	    "## SOLIDARITY WITH CUBA." \
	    "## SOLIDARITY WITH THE REST OF THE WORLD ."
done

# gnutls-cli says whether the server closed with close_notify.
if grep -q "Peer has closed the GnuTLS connection" "$tmp/post"; then
	passed=$((passed + 1))
	echo "ok gnutls-cli saw close_notify"
else
	failed=$((failed + 1))
	echo "FAIL gnutls-cli: no close_notify"
fi

echo "clients: $passed passed, $failed failed"
[ $failed -eq 0 ]
