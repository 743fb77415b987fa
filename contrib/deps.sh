#!/bin/sh
# deps.sh build|check: make sure the Debian/Ubuntu packages that building
# (or testing) capsuled needs are there. As root, installs what is missing
# with apt-get; otherwise prints the exact command to run and fails.
set -eu

mode=${1:-build}

# package:how-to-tell-it-is-there
build_needs="
gcc:cmd:cc
make:cmd:make
pkg-config:cmd:pkg-config
libevent-dev:pc:libevent_openssl
libssl-dev:pc:openssl
libyaml-dev:pc:yaml-0.1
libidn2-dev:pc:libidn2
libunistring-dev:h:unistr.h
libseccomp-dev:pc:libseccomp
libxml2-dev:pc:libxml-2.0
libcmark-dev:pc:libcmark
openssl:cmd:openssl
"
check_needs="
libcmocka-dev:pc:cmocka
python3:cmd:python3
gnutls-bin:cmd:gnutls-cli
libxml2-utils:cmd:xmllint
groff-base:cmd:groff
man-db:cmd:man
lynx:cmd:lynx
curl:cmd:curl
tmux:cmd:tmux
sacc:cmd:sacc
bombadillo:cmd:bombadillo
gopher:cmd:gopher
clang:cmd:clang
libclang-rt-dev:fuzz:clang
"

needs=$build_needs
[ "$mode" = check ] && needs="$build_needs $check_needs"

missing=
for n in $needs; do
	pkg=${n%%:*}
	rest=${n#*:}
	kind=${rest%%:*}
	what=${rest#*:}
	case $kind in
	cmd) command -v "$what" >/dev/null 2>&1 && continue ;;
	h) [ -f "/usr/include/$what" ] && continue ;;
	fuzz) # the sanitizer and libFuzzer runtimes clang links against
		printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)'\
'{ return 0; }\n' | clang -x c -fsanitize=fuzzer,address - \
		    -o /dev/null >/dev/null 2>&1 && continue ;;
	pc) command -v pkg-config >/dev/null 2>&1 &&
		pkg-config --exists "$what" 2>/dev/null && continue ;;
	esac
	missing="$missing $pkg"
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
	exit 0
fi
echo "deps: missing packages:$missing" >&2
echo "deps: run:  sudo apt-get install -y$missing" >&2
exit 1
