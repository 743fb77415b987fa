# capsuled: one blog, served as a Gemini capsule and a Gopher hole.
#
#   make run     install what is missing, build, serve capsule/ on :1965
#   make check   build and run every test
#
# Every library comes through pkg-config; contrib/deps.sh installs the
# Debian packages behind them (or prints the apt-get line to run).

CC ?= cc
PKG_CONFIG ?= pkg-config
PYTHON ?= python3
PREFIX ?= /usr/local
B ?= build

PKGS = libevent openssl yaml-0.1 libidn2 libseccomp \
       libxml-2.0 libcmark

CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wformat=2 -Wno-unused-parameter
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# libunistring ships no .pc file on Debian: it is named directly.
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lunistring \
	    -pthread
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread -Isrc $(WARN) $(CFLAGS) $(PKG_CFLAGS)

# The source, by layer, lowest first: a folder includes only the folders
# above it in this list (tests/layers.py checks it; docs/DESIGN.md tells
# what each holds). The first six are pure: no sockets, no descriptors,
# no event loop, no threads; unit-tested and fuzzed directly.
BASE   = addr buf clean date diag logwrite path percent pool utf8 ytree
TEXT   = frontmatter gemtext gemwrite html2gemtext markdown words wrap
MODEL  = config finish search search_query site tags
PROTO  = evict limits pace proxy refusals selector url
RENDER = gopher_text render_gemini render_gopher route snapshot
ANSWER = gemini_answer gopher_answer
# The rest touch files, the network, the clock or the process.
IMPORT = import postfile safe_write
SERVE  = conn gemini getpid gopher log proxied state tickets tls worker
DAEMON = content control export listen main oneshot reloader sandbox server signals

PURE = $(BASE:%=base/%) $(TEXT:%=text/%) $(MODEL:%=model/%) \
       $(PROTO:%=proto/%) $(RENDER:%=render/%) $(ANSWER:%=answer/%)
WORLD = $(IMPORT:%=import/%) $(SERVE:%=serve/%) $(DAEMON:%=daemon/%)
SRCS = $(PURE) $(WORLD)

PURE_OBJS = $(PURE:%=$(B)/%.o)
OBJS = $(SRCS:%=$(B)/%.o)

UNIT_TESTS = $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))

all: capsuled

# Copied by rename, so a running ./capsuled does not block the build.
capsuled: $(B)/capsuled
	cp $(B)/capsuled $@.tmp && mv -f $@.tmp $@

$(B)/capsuled: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS)

$(B)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Unit tests link the pure modules, and the few others whose logic is
# tested apart from their files (the imported post's format).
UNIT_OBJS = $(PURE_OBJS) $(B)/import/postfile.o
$(B)/tests/%: tests/unit/%.c $(UNIT_OBJS)
	@mkdir -p $(B)/tests
	$(CC) $(ALL_CFLAGS) $$($(PKG_CONFIG) --cflags cmocka) -o $@ $< \
	    $(filter %.o,$^) $(PKG_LIBS) \
	    $$($(PKG_CONFIG) --libs cmocka)

# The answer tables serve tests/fixtures/site, read by the server's own
# loader.
$(B)/tests/test_gemini_answer $(B)/tests/test_gopher_answer: \
    $(B)/daemon/content.o tests/unit/answer_site.h

# libFuzzer targets: one per parser, over the pure modules.
FUZZ = url selector proxy frontmatter gemtext search config html markdown \
       answer
FB = build/fuzz
FUZZ_FLAGS = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJS = $(PURE:%=$(FB)/%.o)
FUZZ_BINS = $(FUZZ:%=$(FB)/fuzz_%)
FUZZ_SECONDS ?= 60

$(FB)/%.o: src/%.c
	@mkdir -p $(@D)
	clang -std=c11 -D_GNU_SOURCE -Isrc $(FUZZ_FLAGS) \
	    -fsanitize=fuzzer-no-link -MMD -MP $(PKG_CFLAGS) -c -o $@ $<

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	clang -std=c11 -D_GNU_SOURCE $(FUZZ_FLAGS) -fsanitize=fuzzer -Isrc \
	    $(PKG_CFLAGS) -o $@ $< $(filter %.o,$^) $(PKG_LIBS)

# The answers are fuzzed over tests/fixtures/site, read by the loader.
$(FB)/fuzz_answer: $(FB)/daemon/content.o

.SECONDARY: $(FUZZ_OBJS) $(FB)/daemon/content.o

# Runs every fuzzer for FUZZ_SECONDS; a crash lands in $(FB)/crashes/:
# add it to tests/fuzz/regress/TARGET/ so make check replays it for ever.
fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh run $(FUZZ_SECONDS) $(FUZZ)

# What make check runs: every saved input once, then a short bounded run.
fuzz-check: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh check $${FUZZ_CHECK_SECONDS:-5} $(FUZZ)

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, its two manual
# pages, an example config, the systemd unit and the sysusers.d line.
install: capsuled
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/doc/capsuled \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system \
	    $(DESTDIR)$(PREFIX)/lib/sysusers.d
	install -m 0755 capsuled $(DESTDIR)$(PREFIX)/bin/capsuled
	install -m 0644 docs/capsuled.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 docs/capsuled.yaml.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 contrib/capsuled.yaml $(DESTDIR)$(PREFIX)/share/doc/capsuled/
	install -m 0644 contrib/capsuled.service \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system/capsuled.service
	install -m 0644 contrib/capsuled.sysusers \
	    $(DESTDIR)$(PREFIX)/lib/sysusers.d/capsuled.conf

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/capsuled \
	    $(DESTDIR)$(PREFIX)/share/man/man8/capsuled.8 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/capsuled.yaml.5 \
	    $(DESTDIR)$(PREFIX)/share/doc/capsuled/capsuled.yaml \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system/capsuled.service \
	    $(DESTDIR)$(PREFIX)/lib/sysusers.d/capsuled.conf

deps:
	@sh contrib/deps.sh build

run:
	@sh contrib/deps.sh build
	@$(MAKE) --no-print-directory capsuled
	./capsuled --listen 127.0.0.1 --listen ::1 --gemini-port 1965 \
	    --gopher-port 7070 --cert-dir certs \
	    $$([ "$$(id -u)" = 0 ] && echo --user nobody) capsule

unit: $(UNIT_TESTS)
	@sh tests/run_unit.sh $(UNIT_TESTS)

# Everything, in the order and with the summary of tests/check.sh: the
# unit tests, the suites, both again under ASan/UBSan/LSan, the robustness
# suite, and the fuzzers' saved inputs with a short run of each.
check:
	@sh contrib/deps.sh check
	@$(MAKE) --no-print-directory capsuled
	@sh tests/check.sh

ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	     -fno-omit-frame-pointer

# Side by side with molly-brown, gophernicus and two floors, in a network
# namespace (root). Not a test: see docs/PERFORMANCE.md.
bench: capsuled
	@sh bench/run.sh

# bench/memory.sh's client: holds N connections open (bench/run.sh builds
# its tools the same way, with these flags).
bench/hold: bench/hold.c
	$(CC) -O2 -std=c11 -Wall -Wextra -Wno-unused-parameter -o $@ $< \
	    $$($(PKG_CONFIG) --cflags --libs openssl)

robustness: capsuled
	@sh tests/robustness/run.sh ./capsuled

check-asan:
	@$(MAKE) --no-print-directory B=build/asan CC=clang \
	    CFLAGS="$(ASAN_FLAGS)" build/asan/capsuled unit
	@CAPSULED=build/asan/capsuled SANITIZED=1 \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 sh tests/run_all.sh

# The workers share the snapshot, the limits and the TLS context: the
# protocol suites again under ThreadSanitizer (a report fails the run:
# the server then exits 66).
check-tsan:
	@$(MAKE) --no-print-directory B=build/tsan CC=clang \
	    CFLAGS="-O1 -g -fsanitize=thread" build/tsan/capsuled
	@CAPSULED=build/tsan/capsuled sh tests/run_tsan.sh

clean:
	rm -rf $(B) capsuled

.PHONY: all deps run unit check check-asan check-tsan robustness bench clean fuzz fuzz-check install \
	uninstall

-include $(OBJS:.o=.d) $(FUZZ_OBJS:.o=.d) $(FB)/daemon/content.d
