# wlmigrate: plain Makefile, dependencies through pkg-config.
#   make          build ./wlmigrate
#   make test     the whole suite (check-layout, unit tests and end-to-end TAP scripts under prove)
#   make check-layout  the include, print, exit and iconv rules of doc/ARCHITECTURE.md
#   make asan     the same suite with AddressSanitizer and UBSan
#   make install  PREFIX=/usr/local DESTDIR=
#   make pot      regenerate po/wlmigrate.pot from the sources (then update po/ja.po with msgmerge)
#   make bench    routes and peers timed against cat of the same files (tests/bench/run; BENCH_* vars)
#   make fuzz     every libFuzzer harness in tests/fuzz/ for FUZZ_SECONDS each (clang)

PKGS      := gmime-3.0 libxml-2.0 zlib libesedb libytnef sqlite3
CC        ?= cc
PREFIX    ?= /usr/local
BUILD     ?= build
WERROR    ?= $(if $(CI),-Werror,)
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
             -Wformat=2 -Wno-format-nonliteral $(WERROR)
CPPFLAGS  += -D_GNU_SOURCE -Isrc $(shell pkg-config --cflags $(PKGS))
LDLIBS    += $(shell pkg-config --libs $(PKGS))
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS)

LIB_SRC   := $(wildcard src/*/*.c) $(wildcard formats/*.c formats/*/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
E2E       := $(sort $(wildcard tests/e2e/*.t))
PROG      := wlmigrate
LOCALEDIR ?= $(PREFIX)/share/locale

# The message catalogs: po/LANG.po compiled into $(BUILD)/locale, where a program run from this
# tree finds them (src/util/i18n.c); `make install` puts them under $(LOCALEDIR).
LINGUAS   := ja
MO        := $(LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/wlmigrate.mo)
XGETTEXT_FLAGS := --language=C --from-code=UTF-8 --add-comments=TRANSLATORS: --sort-by-file \
    --package-name=wlmigrate --msgid-bugs-address="wlmigrate issues" \
    --keyword=_ --keyword=N_ --keyword=error_set:2 \
    --keyword=error_errno:3 --keyword=report_problem:4 --keyword=writer_outcome_note:4 \
    --keyword=bad_value:2 --keyword=not_converted:4 --flag=bad_value:2:c-format --flag=error_set:2:c-format --flag=error_errno:3:c-format \
    --flag=report_problem:4:c-format --flag=writer_outcome_note:4:c-format

FUZZERS   := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60

.PHONY: all test check-layout asan soak install bench fuzz clean pot FORCE
all: $(PROG) $(MO)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iformats $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Where i18n.c looks for the catalog, given to it alone; the stamp rebuilds it when they change.
I18N_PATHS := $(LOCALEDIR) $(abspath $(PROG)) $(abspath $(BUILD))/locale
$(BUILD)/src/util/i18n.o: CPPFLAGS += -DWLMIGRATE_LOCALEDIR='"$(word 1,$(I18N_PATHS))"' \
    -DWLMIGRATE_BUILD_PROGRAM='"$(word 2,$(I18N_PATHS))"' \
    -DWLMIGRATE_BUILD_LOCALEDIR='"$(word 3,$(I18N_PATHS))"'
$(BUILD)/src/util/i18n.o: $(BUILD)/i18n-paths
$(BUILD)/i18n-paths: FORCE
	@mkdir -p $(BUILD)
	@echo '$(I18N_PATHS)' | cmp -s - $@ || echo '$(I18N_PATHS)' > $@

$(BUILD)/locale/%/LC_MESSAGES/wlmigrate.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# The template of every translatable string: _() and N_(), and the sentence argument of the
# functions that format a sentence for a person (error_set, report_problem, ...).
# POT= writes it elsewhere (tests/e2e/15-i18n.t compares a fresh one with the catalog).
POT ?= po/wlmigrate.pot
pot:
	xgettext $(XGETTEXT_FLAGS) -o $(POT) $(sort $(LIB_SRC) src/main.c)

$(BUILD)/libwlmigrate.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(PROG): $(BUILD)/src/main.o $(BUILD)/libwlmigrate.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A unit test links only its module and what that module may use, besides src/util (isync's
# tst_*_SOURCES habit): a dependency the layout does not allow fails the link. Tests of modules
# that stand on much of the tree (the normalizer, the contact readers, the PST) link the library.
NORM      := src/normalize
test_address_SRC   := $(NORM)/address.c $(NORM)/rfc2047.c $(NORM)/charset.c $(NORM)/codec.c
test_charset_SRC   := $(NORM)/charset.c
test_codec_SRC     := $(NORM)/codec.c
test_html2text_SRC := $(NORM)/html2text.c $(NORM)/codec.c
test_json_SRC      := src/report/json.c
test_report_read_SRC := src/report/report_read.c
test_maildate_SRC  := $(NORM)/maildate.c $(NORM)/rfc822.c
test_mboxrd_SRC    := formats/mbox/mboxrd.c
test_mimeparam_SRC := $(NORM)/mimeparam.c $(NORM)/rfc822.c $(NORM)/rfc2047.c $(NORM)/charset.c $(NORM)/codec.c
test_pipeline_SRC  := $(wildcard src/pipeline/pipeline.c src/pipeline/message.c \
                      src/pipeline/writer.c src/pipeline/reader.c) src/report/report.c \
                      src/report/progress.c src/model/model.c src/model/contact.c \
                      $(NORM)/rfc822.c $(NORM)/maildate.c
test_rfc2047_SRC   := $(NORM)/rfc2047.c $(NORM)/charset.c $(NORM)/codec.c
test_rfc822_SRC    := $(NORM)/rfc822.c
test_tbname_SRC    := formats/mbox/tbname.c
test_uudecode_SRC  := $(NORM)/uudecode.c
UTIL_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/util/*.c))
unit_objs  = $(if $($(1)_SRC),$(patsubst %.c,$(BUILD)/%.o,$($(1)_SRC)) $(UTIL_OBJ),$(BUILD)/libwlmigrate.a)

.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $$(call unit_objs,$$*)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iformats -Itests/unit $(ALL_CFLAGS) -o $@ $< $(call unit_objs,$*) $(LDFLAGS) $(LDLIBS)

# Unit tests and end-to-end scripts share one prove run; the scripts find the binary in $WLMIGRATE.
# Each file's TAP is also kept in $(BUILD)/tap, from which tests/tools/tap-summary.py prints at the
# end what ran and what was skipped and why; the exit status stays prove's.
test: check-layout $(PROG) $(MO) $(UNIT_BIN)
	@rm -rf $(BUILD)/tap
	WLMIGRATE=$(abspath $(PROG)) BUILD=$(abspath $(BUILD)) \
	    prove --exec 'tests/tools/tap-summary.py --tee $(BUILD)/tap' $(UNIT_BIN) $(E2E); \
	    status=$$?; tests/tools/tap-summary.py $(BUILD)/tap; exit $$status

check-layout:
	tests/tools/check-layout.py

# Long runs outside `make test`: tests/soak/pst-4g.t writes and reads back a PST beyond 4 GB.
soak: $(PROG)
	WLMIGRATE=$(abspath $(PROG)) BUILD=$(abspath $(BUILD)) prove --exec '' tests/soak/*.t

asan:
	$(MAKE) BUILD=build-asan PROG=build-asan/wlmigrate \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" test

# Debian's places: the program, the man page in English and in Japanese, the catalog.
install: $(PROG) $(MO)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/ja/man1 $(DESTDIR)$(LOCALEDIR)/ja/LC_MESSAGES
	install -m 755 $(PROG) $(DESTDIR)$(PREFIX)/bin/wlmigrate
	install -m 644 doc/wlmigrate.1 $(DESTDIR)$(PREFIX)/share/man/man1/wlmigrate.1
	install -m 644 doc/wlmigrate.ja.1 $(DESTDIR)$(PREFIX)/share/man/ja/man1/wlmigrate.1
	install -m 644 $(BUILD)/locale/ja/LC_MESSAGES/wlmigrate.mo \
	    $(DESTDIR)$(LOCALEDIR)/ja/LC_MESSAGES/wlmigrate.mo

bench: $(PROG)
	WLMIGRATE=$(abspath $(PROG)) tests/bench/run

# Each harness is linked with the whole library built with the fuzzer's instrumentation.
build-fuzz/%: tests/fuzz/%.c $(LIB_SRC)
	@mkdir -p build-fuzz
	clang -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    $(CPPFLAGS) -Iformats $< $(LIB_SRC) -o $@ $(LDLIBS)

# Seeds: tests/fuzz/seeds-<name> (fuzz_contact_xml -> seeds-contact-xml), else tests/fuzz/seeds.
FUZZ_TIMEOUT ?= 10
fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do \
	    n=$${f#build-fuzz/fuzz_}; seeds=tests/fuzz/seeds-$$(echo $$n | tr _ -); \
	    [ -d $$seeds ] || seeds=tests/fuzz/seeds; \
	    mkdir -p build-fuzz/corpus-$$n build-fuzz/artifacts-$$n; \
	    echo "== $$f ($(FUZZ_SECONDS) s, seeds $$seeds)"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 \
	        -artifact_prefix=build-fuzz/artifacts-$$n/ build-fuzz/corpus-$$n $$seeds \
	        > build-fuzz/$$n.log 2>&1; rc=$$?; tail -n 12 build-fuzz/$$n.log; \
	    [ $$rc -eq 0 ] || { echo "== $$f failed ($$rc): build-fuzz/$$n.log, build-fuzz/artifacts-$$n/"; exit 1; }; \
	done

clean:
	rm -rf build build-asan build-fuzz $(PROG)

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/main.d

# ---- The Windows build (issue 13): make windows, make windows-test ---------------------------
# tools/windows/build-deps.sh cross-builds the libraries from Debian 12's source packages into
# $(WIN_PREFIX) (cached: a second run rebuilds nothing); then this Makefile's own rules above
# build wlmigrate.exe with the mingw-w64 compiler, the same sources and warnings, pkg-config
# answering from the prefix (tools/windows/bin/pkg-config, always --static); and
# tools/windows/make-zip.py packs dist/wlmigrate-VERSION-win64.zip. The tests in tests/windows/
# unpack that zip and run the exe in it under Wine against the Linux build ($(PROG)).
# Measured build times and sizes: tools/windows/README.md.
WIN_HOST    := x86_64-w64-mingw32
WIN_OUT     := build/windows
WIN_PREFIX  := $(abspath $(WIN_OUT))/prefix
WIN_BUILD   := $(WIN_OUT)/obj
WIN_EXE     := $(WIN_OUT)/wlmigrate.exe
WIN_VERSION := $(shell sed -n 's/^\#define WLMIGRATE_VERSION "\(.*\)"/\1/p' src/cli/cli.c)
WIN_ZIP     := dist/wlmigrate-$(WIN_VERSION)-win64.zip
WIN_TESTS   := $(sort $(wildcard tests/windows/*.t))

.PHONY: windows windows-deps windows-exe windows-test
windows: $(WIN_ZIP)

windows-deps:
	tools/windows/build-deps.sh $(WIN_OUT)

# The exe: a static x86-64 program, console subsystem, linked with -static so that no DLL of
# the toolchain (libgcc, libwinpthread) is needed beside it, stripped (-s) and without the link
# time in its header (--no-insert-timestamp), so the same sources give the same exe and zip.
# The catalog goes beside it as locale/ja/LC_MESSAGES/wlmigrate.mo (src/util/platform.c looks
# for the folder locale beside the program).
# WIN_CPPFLAGS come through the environment, so the rules' own `CPPFLAGS +=` adds to them:
# mingw-w64's C99 printf family (msvcrt's knows no %zu) and its gmtime_r/localtime_r; and
# WIN_LIBS, the libraries the tree calls beyond the default ones, before those pkg-config names:
# bcrypt (BCryptGenRandom in src/util/platform.c) and mingw-w64's winpthreads, where its
# clock_gettime lives (linked statically like the rest; its licence is mingw-w64's).
WIN_CPPFLAGS := -D__USE_MINGW_ANSI_STDIO=1 -D_POSIX_THREAD_SAFE_FUNCTIONS
WIN_LIBS     := -lbcrypt -lwinpthread
windows-exe: windows-deps
	PATH="$(abspath tools/windows/bin):$$PATH" WINDOWS_PREFIX="$(WIN_PREFIX)" \
	    CPPFLAGS="$(WIN_CPPFLAGS)" LDLIBS="$(WIN_LIBS)" \
	    $(MAKE) CC=$(WIN_HOST)-gcc AR=$(WIN_HOST)-ar BUILD=$(WIN_BUILD) PROG=$(WIN_EXE) \
	    LDFLAGS="-static -s -Wl,--no-insert-timestamp" all

$(WIN_ZIP): windows-exe dist/README.txt.in tools/windows/make-zip.py COPYING
	@mkdir -p dist
	tools/windows/make-zip.py --out $@ --version $(WIN_VERSION) \
	    --exe $(WIN_EXE) --readme dist/README.txt.in \
	    --catalogs $(WIN_BUILD)/locale --licenses $(WIN_PREFIX)/share/wlmigrate-licenses \
	    --copying COPYING

windows-test: $(PROG)
	WLMIGRATE=$(abspath $(PROG)) WLMIGRATE_ZIP=$(abspath $(WIN_ZIP)) BUILD=$(abspath $(BUILD)) \
	    prove --exec '' $(WIN_TESTS)
