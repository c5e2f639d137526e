# Every goal builds on every core: the generator's run and the sources
# overlap. (A make run by a recipe shares the jobs of the one above it.)
ifeq ($(MAKELEVEL),0)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

# smtpdiag - explain why an e-mail would not send.
#
#   make               build build/smtpdiag, the static and shared library
#                      and smtpdiag.pc
#   make check         build and run every test (needs cmocka: make deps)
#   make check-asan    the same under AddressSanitizer and UBSan, in build-asan/
#   make check-valgrind  the command's tests with valgrind memcheck
#   make e2e           real SMTP clients against a scripted server (make e2e-deps)
#   make accuracy      how often the corpus is read right (ACCURACY_FLAGS=--misses)
#   make bench         speed against baselines measured in the same run
#   make fuzz          each fuzz target for FUZZ_SECONDS (clang, libFuzzer)
#   make install       PREFIX, DESTDIR, BINDIR, LIBDIR, INCLUDEDIR, MANDIR,
#                      PKGCONFIGDIR, COMPLETIONDIR
#
# The knowledge base in data/ is compiled by build/mktables (built from
# src/mktables.c for the host) into build/kb.c; nothing generated is kept in
# the source tree.

VERSION    = 0.1.0
CC        ?= cc
HOSTCC    ?= $(CC)
CFLAGS    ?= -O2 -g
WARN       = -std=c11 -Wall -Wextra -Wpedantic
B         ?= build
ALL_CFLAGS = $(WARN) $(CFLAGS) -fPIC -Iinclude -Isrc -I$(B) -MMD -MP
SONAME     = libsmtpdiag.so.0

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

DATA    = $(sort $(wildcard data/*.txt)) $(sort $(wildcard data/rules/*.txt)) \
          $(sort $(wildcard data/words/*.txt))
SHARED  = src/names.c src/fold.c src/status.c src/records.c
LIB_SRC = $(SHARED) src/parse.c src/command.c src/classify.c src/rules.c src/lookup.c src/trigger.c src/scan.c \
          src/mime.c src/charset.c src/html.c src/message.c src/dsn.c src/bounce_text.c src/bounce_json.c \
          src/bounce.c src/json.c src/journal.c src/qmail_log.c src/kumo_log.c src/maddy_log.c src/java_chain.c \
          src/memo.c src/keys.c
CLI_SRC = src/main.c src/cli_explain.c src/cli_rules.c src/cli_scan.c src/cli_merge.c src/cli_codes.c src/summary.c \
          src/strmap.c src/redact.c src/feed.c \
          src/render.c src/output.c src/mailbox.c src/cli_jobs.c src/cli_follow.c src/cli_paste.c src/paste_clean.c
TESTS   = test_parse test_match test_rules test_seed test_corpus test_kb test_mktables test_scan test_cli \
          test_bounces


LIB_OBJ = $(LIB_SRC:src/%.c=$(B)/%.o) $(B)/kb.o
CLI_OBJ = $(CLI_SRC:src/%.c=$(B)/%.o)

all: $(B)/smtpdiag $(B)/libsmtpdiag.a $(B)/libsmtpdiag.so.$(VERSION) $(B)/smtpdiag.pc

$(B)/mktables: src/mktables.c $(SHARED) src/internal.h src/records.h src/kb_format.h include/smtpdiag.h
	@mkdir -p $(B)
	$(HOSTCC) $(WARN) -O1 -Iinclude -Isrc -o $@ src/mktables.c $(SHARED)

# One run writes both files (a grouped target). The list of data
# files is a prerequisite too, so that a removed file rebuilds the tables.
$(B)/kb.c $(B)/kb_size.h &: $(B)/mktables $(DATA) $(B)/data.list
	$(B)/mktables $(B)/kb.c $(B)/kb_size.h $(DATA)
$(B)/data.list: FORCE
	@mkdir -p $(B)
	@echo '$(DATA)' | cmp -s - $@ || echo '$(DATA)' > $@
FORCE:

$(B)/%.o: src/%.c
	@mkdir -p $(B)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The few sources that read the tables' sizes (kb.h) wait for the generator;
# the others compile while it runs. They are also compiled again against the
# tables of tests/fixture/ for the fixture's library.
KB_SRC := $(shell grep -l '^\#include "kb.h"' $(LIB_SRC) $(CLI_SRC))
$(KB_SRC:src/%.c=$(B)/%.o): $(B)/kb_size.h

$(B)/kb.o: $(B)/kb.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libsmtpdiag.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

# The shared library exports the public smtpdiag_* names only.
$(B)/libsmtpdiag.so.$(VERSION): $(LIB_OBJ) src/libsmtpdiag.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) \
		-Wl,--version-script,src/libsmtpdiag.map -o $@ $(LIB_OBJ)
	ln -sf libsmtpdiag.so.$(VERSION) $(B)/$(SONAME)
	ln -sf $(SONAME) $(B)/libsmtpdiag.so

# The pkg-config file for the PREFIX of this make run (install writes its own).
pc:
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' src/smtpdiag.pc.in

$(B)/smtpdiag.pc: src/smtpdiag.pc.in Makefile
	$(MAKE) -s --no-print-directory pc > $@

$(B)/smtpdiag: $(CLI_OBJ) $(B)/libsmtpdiag.a
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $(CLI_OBJ) $(B)/libsmtpdiag.a

# ---- tests ---------------------------------------------------------------

# What the tests need on a fresh Debian machine (run as root).
deps:
	@dpkg -s libcmocka-dev pkgconf mandoc jq parallel >/dev/null 2>&1 || \
		{ apt-get update && apt-get install -y libcmocka-dev pkgconf mandoc jq parallel; }

# The end-to-end clients (run as root): swaks, msmtp, and Postfix installed
# without a system configuration; curl, python3 and jq come with make deps.
E2E_PACKAGES = swaks msmtp postfix curl python3
e2e-deps: deps
	@dpkg -s $(E2E_PACKAGES) >/dev/null 2>&1 || { \
		echo 'postfix postfix/main_mailer_type select No configuration' | \
			debconf-set-selections; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(E2E_PACKAGES); }

# Every client on every case of tests/e2e/cases.txt; E2E_REQUIRE=1 (CI) makes
# a client that is not installed a failure rather than a skip.
e2e: $(B)/smtpdiag
	SMTPDIAG=$(B)/smtpdiag tests/e2e/run.sh

TEST_BINS = $(TESTS:%=$(B)/tests/%)

$(B)/tests/%.o: tests/%.c $(B)/kb_size.h
	@mkdir -p $(B)/tests
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/%: $(B)/tests/%.o $(B)/libsmtpdiag.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libsmtpdiag.a -lcmocka

$(B)/tests/test_corpus: $(B)/tests/test_corpus.o $(B)/tests/corpus.o $(B)/libsmtpdiag.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka

# The corpus's figures: agreement per file and category, the confusion
# matrix, what decided. ACCURACY_FLAGS=--misses lists every disagreement.
$(B)/accuracy: $(B)/tests/accuracy.o $(B)/tests/corpus.o $(B)/libsmtpdiag.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

accuracy: $(B)/accuracy
	$(B)/accuracy $(ACCURACY_FLAGS) tests/corpus
	@echo; echo 'tests/independent/ (labelled without seeing data/ or the answers):'
	$(B)/accuracy $(ACCURACY_FLAGS) tests/independent
	@echo; echo 'tests/independent-intl/ (likewise, in some thirty languages; measured, no floor yet):'
	$(B)/accuracy $(ACCURACY_FLAGS) tests/independent-intl

# test_match and test_rules link a library built on the small knowledge
# base of tests/fixture/ instead of data/.
FIX = $(B)/fixture
FIX_OBJ = $(filter-out $(KB_SRC:src/%.c=$(B)/%.o) $(B)/kb.o,$(LIB_OBJ)) \
          $(KB_SRC:src/%.c=$(FIX)/%.o) $(FIX)/kb.o

$(FIX)/kb.c $(FIX)/kb_size.h &: $(B)/mktables tests/fixture/t.txt
	@mkdir -p $(FIX)
	$(B)/mktables $(FIX)/kb.c $(FIX)/kb_size.h tests/fixture/t.txt

$(FIX)/%.o: src/%.c $(FIX)/kb_size.h
	$(CC) $(WARN) $(CFLAGS) -fPIC -Iinclude -Isrc -I$(FIX) -MMD -MP -c -o $@ $<

$(FIX)/kb.o: $(FIX)/kb.c
	$(CC) $(WARN) $(CFLAGS) -Iinclude -Isrc -I$(FIX) -c -o $@ $<

$(FIX)/libsmtpdiag.a: $(FIX_OBJ)
	rm -f $@
	$(AR) rcs $@ $(FIX_OBJ)

$(B)/tests/test_match $(B)/tests/test_rules: $(B)/tests/%: $(B)/tests/%.o $(FIX)/libsmtpdiag.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(FIX)/libsmtpdiag.a -lcmocka

# The public header stands alone, in C and C++, under strict flags.
CXX ?= c++
header-check:
	$(CC) -std=c99 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c include/smtpdiag.h
	$(CXX) -std=c++11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c++ include/smtpdiag.h

# The benchmark's log generator, also used by the CLI tests.
$(B)/genlog: tests/bench/genlog.c
	@mkdir -p $(B)
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ tests/bench/genlog.c

# ---- fuzzing ---------------------------------------------------------------
# make fuzz: each libFuzzer target of tests/fuzz/ for FUZZ_SECONDS, built with
# clang and its libFuzzer runtime (Debian: clang, libclang-rt-14-dev) into
# build-fuzz/; new inputs go to build-fuzz/corpus/, a crash to
# build-fuzz/TARGET-crash-*. make check replays the seed corpus of each target
# through tests/fuzz/replay.c, built with $(CC).
FUZZ_TARGETS  = parse scan trigger rules message
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_B       ?= build-fuzz
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRC      = src/feed.c
REPLAY_BINS   = $(FUZZ_TARGETS:%=$(B)/fuzz/replay_%)

$(B)/fuzz/replay_%: tests/fuzz/replay.c tests/fuzz/fuzz_%.c tests/fuzz/check.h $(FUZZ_SRC) \
		$(B)/libsmtpdiag.a
	@mkdir -p $(B)/fuzz
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -Iinclude -Isrc -I$(B) -o $@ \
		tests/fuzz/replay.c tests/fuzz/fuzz_$*.c $(FUZZ_SRC) $(B)/libsmtpdiag.a

fuzz:
	$(MAKE) B=$(FUZZ_B) CC=$(FUZZ_CC) \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" $(FUZZ_B)/libsmtpdiag.a
	@set -e; for t in $(FUZZ_TARGETS); do \
		$(FUZZ_CC) $(WARN) -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) -Iinclude -Isrc \
			-I$(FUZZ_B) -o $(FUZZ_B)/fuzz_$$t tests/fuzz/fuzz_$$t.c $(FUZZ_SRC) \
			$(FUZZ_B)/libsmtpdiag.a; \
	done
	@set -e; for t in $(FUZZ_TARGETS); do \
		case $$t in trigger) max=4096;; *) max=65536;; esac; \
		mkdir -p $(FUZZ_B)/corpus/$$t; \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
		$(FUZZ_B)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=$$max -timeout=10 \
			-artifact_prefix=$(FUZZ_B)/$$t- -print_final_stats=1 \
			$(FUZZ_B)/corpus/$$t tests/fuzz/corpus/$$t 2>&1 | \
			grep -E '^(Done [0-9]+ runs|==[0-9]+==|SUMMARY)' || true; \
		test -z "$$(ls $(FUZZ_B)/$$t-* 2>/dev/null)" || { echo "fuzz_$$t found a crash"; exit 1; }; \
	done

# Every test program runs even when one fails; the summary line counts them.
# Every test program, the replay of each fuzz target's seed corpus, the
# completion and (in build/ only: the installed library is tried without
# sanitizers) the install and the README's examples, side by side.
CHECKS = $(TESTS:%=$(B)/tests/%) \
         $(foreach t,$(FUZZ_TARGETS),'$(B)/fuzz/replay_$t tests/fuzz/corpus/$t') \
         tests/completion.sh $(if $(filter build,$(B)),tests/install.sh tests/readme.sh)

check: all header-check $(TEST_BINS) $(B)/genlog $(REPLAY_BINS)
	@SMTPDIAG=$(B)/smtpdiag MKTABLES=$(B)/mktables GENLOG=$(B)/genlog \
		tests/run-all.sh $(B)/checks $(CHECKS)
	@$(MAKE) -s --no-print-directory check-man

# The manual pages: mandoc's lint (and man's, where man-db is) say nothing.
check-man:
	@out=$$(mandoc -Tlint -W warning src/smtpdiag.1 src/libsmtpdiag.3 2>&1; \
		if command -v man >/dev/null; then \
			man --warnings -l src/smtpdiag.1 2>&1 >/dev/null; \
			man --warnings -l src/libsmtpdiag.3 2>&1 >/dev/null; fi); \
	if [ -n "$$out" ]; then echo "$$out"; echo "man pages: 0 passed, 1 failed"; exit 1; fi; \
	echo "man pages: 1 passed, 0 failed"

check-asan:
	$(MAKE) B=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" check

# ---- benchmark: ratios against a baseline measured in the same run --------

BENCH_MB ?= 128

$(B)/bench/%: tests/bench/%.c $(B)/libsmtpdiag.a
	@mkdir -p $(B)/bench
	$(CC) $(WARN) $(CFLAGS) -Iinclude -o $@ $< $(B)/libsmtpdiag.a

$(B)/bench/mixed.log: $(B)/genlog
	@mkdir -p $(B)/bench
	$(B)/genlog $(BENCH_MB) > $@ 2> $@.count

# Logs of a mailing with 1%, 3%, 10% and 30% of failures (BENCH_FAIL_MB each).
BENCH_FAIL_MB ?= 64
BENCH_SHARES   = 1 3 10 30
BENCH_FAIL_LOGS = $(BENCH_SHARES:%=$(B)/bench/fail-%.log)
$(B)/bench/fail-%.log: $(B)/genlog
	@mkdir -p $(B)/bench
	$(B)/genlog $(BENCH_FAIL_MB) 1 $* > $@ 2> $@.count

bench: all $(B)/bench/bench_classify $(B)/bench/bench_scan $(B)/bench/bench_bounces \
		$(B)/bench/mixed.log $(BENCH_FAIL_LOGS)
	$(B)/bench/bench_classify tests/corpus
	$(B)/bench/bench_bounces tests/bounces
	taskset -c 0,1 $(B)/bench/bench_scan $(B)/smtpdiag 5 \
		$(foreach l,$(B)/bench/mixed.log $(BENCH_FAIL_LOGS),$(l)=$$(cut -d' ' -f1 $(l).count))

# The command's tests again, every run of the binary under valgrind memcheck.
check-valgrind: all $(B)/tests/test_cli $(B)/genlog
	SMTPDIAG=$(B)/smtpdiag GENLOG=$(B)/genlog \
	SMTPDIAG_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \
		--suppressions=$(CURDIR)/tests/valgrind.supp" \
		$(B)/tests/test_cli

clean:
	rm -rf build build-asan build-fuzz

# ---- install -------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(COMPLETIONDIR)
	install -m 755 $(B)/smtpdiag $(DESTDIR)$(BINDIR)/smtpdiag
	install -m 644 include/smtpdiag.h $(DESTDIR)$(INCLUDEDIR)/smtpdiag.h
	install -m 644 $(B)/libsmtpdiag.a $(DESTDIR)$(LIBDIR)/libsmtpdiag.a
	install -m 755 $(B)/libsmtpdiag.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libsmtpdiag.so.$(VERSION)
	ln -sf libsmtpdiag.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsmtpdiag.so
	$(MAKE) -s --no-print-directory pc > $(DESTDIR)$(PKGCONFIGDIR)/smtpdiag.pc
	install -m 644 src/smtpdiag.1 $(DESTDIR)$(MANDIR)/man1/smtpdiag.1
	install -m 644 src/libsmtpdiag.3 $(DESTDIR)$(MANDIR)/man3/libsmtpdiag.3
	install -m 644 src/smtpdiag.bash-completion $(DESTDIR)$(COMPLETIONDIR)/smtpdiag

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/smtpdiag $(DESTDIR)$(INCLUDEDIR)/smtpdiag.h \
		$(DESTDIR)$(LIBDIR)/libsmtpdiag.a $(DESTDIR)$(LIBDIR)/libsmtpdiag.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libsmtpdiag.so \
		$(DESTDIR)$(PKGCONFIGDIR)/smtpdiag.pc $(DESTDIR)$(MANDIR)/man1/smtpdiag.1 \
		$(DESTDIR)$(MANDIR)/man3/libsmtpdiag.3 $(DESTDIR)$(COMPLETIONDIR)/smtpdiag

.PHONY: FORCE all accuracy deps e2e e2e-deps pc bench fuzz check check-asan check-man check-valgrind header-check clean install uninstall
.SECONDARY:

-include $(wildcard $(B)/*.d $(B)/tests/*.d $(FIX)/*.d)
