# tweetlake: one non-recursive GNU Makefile for lib/, the tools in src/, tests and docs.
#
#   make                 build lib/libtl.a and every tool into bin/
#   make check           build and run every test (ends with "N passed, N failed")
#   make SANITIZE=address,undefined check
#   make deps            install the Debian 12 packages and npm test peers the build and tests need
#   make bench-deps      also the benchmarks' npm peers (bench/peers: DuckDB)
#   make install         PREFIX, DESTDIR, BINDIR, MANDIR honoured
#   make fuzz            build the libFuzzer targets (clang) into build/fuzz/
#   make demo [AWS=1]    run the whole pipeline on local defaults (examples/demo.sh)

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DESTDIR   ?=

CC        ?= cc
PKG_CONFIG ?= pkg-config
PKGS      := rdkafka libcurl libcjson libcrypto zlib expat sqlite3 icu-uc libedit libpcre2-8

OPT       ?= -O2
CFLAGS    ?= $(OPT) -g
WARN      := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wwrite-strings -Wvla
WERROR    ?= -Werror
SANITIZE  ?=
ifneq ($(SANITIZE),)
SANFLAGS  := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -DTL_VERSION='"$(VERSION)"' -Ilib \
              $(WARN) $(WERROR) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)
LIBS        = $(PKG_LIBS) -lpthread -lm

B := build

LIB_SRC   := $(sort $(wildcard lib/*.c))
# Data compiled into the library: the VADER lexicon and emoji descriptions (lib/vader/).
GEN_SRC   := $(B)/gen/tl_vader_data.c
VADER_DATA := lib/vader/vader_lexicon.txt lib/vader/emoji_utf8_lexicon.txt
LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/tl_vader_data.o
LIBTL     := lib/libtl.a

TOOL_SRC  := $(sort $(wildcard src/*.c))
TOOLS     := $(TOOL_SRC:src/%.c=bin/%)
MANPAGES  := $(sort $(wildcard man/*.1))

# C unit tests (tests/unit/test_*.c) and helper programs the tests run (tests/helpers/*.c).
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
HELP_SRC  := $(sort $(wildcard tests/helpers/*.c))
HELP_BIN  := $(HELP_SRC:tests/helpers/%.c=$(B)/tests/%)
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))

# Rebuild everything when the compiler flags change (plain vs sanitizer builds share build/).
FLAGS_STAMP := $(B)/.flags
FLAGS_NOW   := $(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)
$(shell mkdir -p $(B); if [ "$$(cat $(FLAGS_STAMP) 2>/dev/null)" != '$(FLAGS_NOW)' ]; then \
          printf '%s' '$(FLAGS_NOW)' > $(FLAGS_STAMP); fi)

.PHONY: all check check-tests clean install uninstall deps bench-deps fuzz lint-man demo bench
.DEFAULT_GOAL := all
# Keep objects of tests and tools (chained rules would delete them as intermediates).
.SECONDARY:

all: $(TOOLS)

$(B)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gen/tl_vader_data.c: lib/vader/embed.sh $(VADER_DATA)
	@mkdir -p $(@D)
	sh lib/vader/embed.sh tl_vader_lexicon_txt=lib/vader/vader_lexicon.txt \
	  tl_vader_emoji_txt=lib/vader/emoji_utf8_lexicon.txt >$@.tmp && mv $@.tmp $@

$(B)/gen/%.o: $(B)/gen/%.c $(FLAGS_STAMP)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBTL): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

bin/%: $(B)/src/%.o $(LIBTL)
	@mkdir -p bin
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBTL) $(LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(LIBTL)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBTL) $(LIBS)

$(B)/tests/%: $(B)/tests/helpers/%.o $(LIBTL)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBTL) $(LIBS)

# check installs missing packages first, then re-reads this Makefile (so pkg-config sees them).
check:
	@.ci/deps --quiet
	@$(MAKE) --no-print-directory check-tests

check-tests: $(TOOLS) $(UNIT_BIN) $(HELP_BIN)
	@BUILD=$(B) SANITIZE='$(SANITIZE)' tests/run

deps:
	@.ci/deps

bench-deps: deps
	@cd bench/peers && npm ci --no-audit --no-fund --loglevel=error

# The whole pipeline on local defaults (examples/demo.sh); `make demo AWS=1` lands it in a moto
# server's S3 and Glue on loopback instead.
demo:
	@.ci/deps --quiet
	@$(MAKE) --no-print-directory all $(B)/tests/mock-kafka $(B)/tests/aws-call
	@AWS=$(AWS) examples/demo.sh

# libFuzzer targets: lib/ compiled once with clang's fuzzer instrumentation, then one binary each.
FUZZ_CC    ?= clang
FUZZ_FLAGS := -g -O1 -std=c11 -D_GNU_SOURCE -DTL_VERSION='"$(VERSION)"' -Ilib $(PKG_CFLAGS) \
              -fsanitize=fuzzer-no-link,address,undefined -MMD -MP
FUZZ_OBJ   := $(LIB_SRC:lib/%.c=$(B)/fuzz/lib/%.o) $(B)/fuzz/gen/tl_vader_data.o
FUZZ_BIN   := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)

fuzz: $(FUZZ_BIN)

$(B)/fuzz/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

$(B)/fuzz/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

$(B)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_OBJ) \
	  $(PKG_LIBS) -lpthread -lm

lint-man:
	@for m in $(MANPAGES); do mandoc -Tlint -W warning $$m || exit 1; done

install: $(TOOLS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(if $(TOOLS),install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/)
	$(if $(MANPAGES),install -m 644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1/)

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(TOOLS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MANPAGES)))

clean:
	rm -rf $(B) $(LIBTL) bin/*

-include $(shell find $(B) -name '*.d' 2>/dev/null)
