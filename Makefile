# cuenv - plain GNU make, no configure step.
#
#   make            build bin/cuenv
#   make check      deps, build, unit tests, bats tests, fuzz smoke; ends "N passed, N failed"
#   make check SAN=1   the same with AddressSanitizer and UndefinedBehaviorSanitizer
#   make demo       cuenv's main job on the bundled catalogue
#   make bench      speed figures as ratios against a baseline of the same run
#   make fuzz       libFuzzer targets (clang), FUZZ_TIME seconds each
#   make valgrind   unit tests and an install session under valgrind memcheck
#   make install PREFIX=/usr/local DESTDIR=

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
DEPS := libcurl libarchive libcrypto jansson
FUZZ_TIME ?= 20

# Debian packages for the build and the tests (make deps).
DEB_PACKAGES := build-essential pkgconf libcurl4-openssl-dev libarchive-dev libssl-dev \
	libjansson-dev libcmocka-dev bats bats-support bats-assert python3 clang xz-utils \
	openssl nginx-light zsh fish procps tmux strace curl \
	lmod direnv cmake valgrind tcl8.6 less python3-jsonschema python3-yaml
# Environment Modules conflicts with lmod in apt: 'make deps' unpacks its
# package into $(EM_DIR) and tests run modulecmd.tcl from there with tclsh
# (its runtime dependencies, tcl8.6 and less, are packages above).
EM_DIR := build/environment-modules
# The official CycloneDX JSON schemas (sbom.bats validates against them with
# python3-jsonschema), from the npm registry with the machine's npm.
CDX_DIR := build/cyclonedx-schema
CDX_NPM := @cyclonedx/cyclonedx-library@10.3.0

ifeq ($(SAN),1)
FLAVOR := san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
FLAVOR := std
SANFLAGS :=
endif
B := build/$(FLAVOR)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wpointer-arith -Wvla -Wundef -Werror
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -pthread $(WARN) $(CFLAGS) $(SANFLAGS) \
	-DCUENV_VERSION='"$(VERSION)"' -Isrc -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS) -pthread

ifneq ($(filter-out deps clean format-check build/environment-modules/.complete build/cyclonedx-schema/.complete,$(or $(MAKECMDGOALS),all)),)
ifneq ($(shell $(PKG_CONFIG) --exists $(DEPS) 2>/dev/null && echo ok),ok)
$(error missing build dependencies: run 'make deps' (Debian: libcurl4-openssl-dev libarchive-dev libssl-dev libjansson-dev pkgconf))
endif
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DEPS))
# libcurl, libarchive and libcrypto are opened with dlopen by fetch.c,
# extract.c and verify.c when a transfer, an unpack or a digest needs them:
# headers only, and the commands that run most (exec, env, the shell hook)
# start without loading them.
DEP_LIBS := $(shell $(PKG_CONFIG) --libs $(filter-out libcurl libarchive libcrypto,$(DEPS))) -ldl
endif

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

SRCS := $(filter-out src/bundle.c,$(wildcard src/*.c))
OBJS := $(patsubst src/%.c,$(B)/%.o,$(SRCS)) $(B)/bundle.o
LIB_OBJS := $(filter-out $(B)/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
BUNDLE_FILES := $(sort $(wildcard manifests/cuda/*.json manifests/cudnn/*.json)) manifests/support.txt

.PHONY: all deps check check-unit check-bats check-fuzz demo bench fuzz valgrind install clean \
	format-check lint completions FORCE

all: bin/cuenv bin/cuenv-shim bin/cuenv-audit.so

deps:
	@missing=; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		guard=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && guard=1; \
		fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		st=$$?; [ -z "$$guard" ] || rm -f /usr/sbin/policy-rc.d; [ $$st -eq 0 ] || exit $$st; \
	else echo "deps: all Debian packages present"; fi
	@$(MAKE) --no-print-directory $(EM_DIR)/.complete $(CDX_DIR)/.complete

$(EM_DIR)/.complete:
	@echo "unpacking environment-modules into $(EM_DIR)"
	$(Q)rm -rf $(EM_DIR) $(EM_DIR).tmp && mkdir -p $(EM_DIR).tmp/deb
	$(Q)cd $(EM_DIR).tmp/deb && { apt-get download -qq environment-modules 2>/dev/null || \
		{ apt-get update -qq && apt-get download -qq environment-modules; }; }
	$(Q)dpkg -x $(EM_DIR).tmp/deb/environment-modules_*.deb $(EM_DIR).tmp
	$(Q)test -f $(EM_DIR).tmp/usr/lib/modulecmd.tcl
	$(Q)rm -rf $(EM_DIR).tmp/deb && touch $(EM_DIR).tmp/.complete && mv $(EM_DIR).tmp $(EM_DIR)

$(CDX_DIR)/.complete:
	@echo "fetching the CycloneDX JSON schemas ($(CDX_NPM)) into $(CDX_DIR)"
	$(Q)rm -rf $(CDX_DIR) $(CDX_DIR).tmp && mkdir -p $(CDX_DIR).tmp
	$(Q)if command -v npm >/dev/null && (cd $(CDX_DIR).tmp && timeout 120 npm pack --silent $(CDX_NPM) >/dev/null) && \
		tar -xzf $(CDX_DIR).tmp/*.tgz -C $(CDX_DIR).tmp --strip-components=3 \
			package/res/schema/bom-1.5.SNAPSHOT.schema.json \
			package/res/schema/spdx.SNAPSHOT.schema.json \
			package/res/schema/jsf-0.82.SNAPSHOT.schema.json; then \
		rm -f $(CDX_DIR).tmp/*.tgz && touch $(CDX_DIR).tmp/.complete && mv $(CDX_DIR).tmp $(CDX_DIR); \
	else \
		rm -rf $(CDX_DIR).tmp; \
		echo "warning: no npm or no npm registry: the CycloneDX schema test will skip"; \
	fi

bin/cuenv: $(B)/cuenv FORCE
	@mkdir -p bin
	@cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }

bin/cuenv-shim: $(B)/cuenv-shim FORCE
	@mkdir -p bin
	@cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }

# The shim is libc only, without pkg-config; static where the sanitizers allow,
# so each shimmed start skips the dynamic loader.
SHIM_STATIC := $(if $(SANFLAGS),,-static)
$(B)/cuenv-shim: shims/cuenv-shim.c src/layout.h
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) $(SANFLAGS) -Isrc \
		-o $@ $< $(SHIM_STATIC)

bin/cuenv-audit.so: $(B)/cuenv-audit.so FORCE
	@mkdir -p bin
	@cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }

# The LD_AUDIT module of 'cuenv exec --audit': libc only, and never built with
# the sanitizers (it is loaded into every program the audited command starts).
$(B)/cuenv-audit.so: shims/cuenv-audit.c
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) -std=c11 $(WARN) $(CFLAGS) -fPIC -shared -o $@ $<

$(B)/cuenv: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) -o $@ $(OBJS) $(ALL_LDFLAGS) $(DEP_LIBS)

$(B)/%.o: src/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEP_CFLAGS) -c -o $@ $<

$(B)/bundle.c: $(BUNDLE_FILES) $(B)/embed
	$(call msg,EMBED,$@)
	$(Q)$(B)/embed $@ manifests $(patsubst manifests/%,%,$(BUNDLE_FILES))

$(B)/bundle.o: $(B)/bundle.c src/bundle.h
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/embed: tools/embed.c
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) -std=c11 -O1 -Wall -Wextra -Werror -o $@ $<

$(B)/tests/%: tests/unit/%.c tests/unit/helpers.h $(LIB_OBJS)
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEP_CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJS) \
		$(ALL_LDFLAGS) $(DEP_LIBS) $$($(PKG_CONFIG) --libs cmocka)

check: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS)
	$(Q)FLAVOR=$(FLAVOR) FUZZ_TIME=$(FUZZ_TIME) tests/run-tests.sh $(UNIT_BINS)

check-unit: all $(UNIT_BINS)
	$(Q)FLAVOR=$(FLAVOR) tests/run-tests.sh --only-unit $(UNIT_BINS)

check-bats: all
	$(Q)FLAVOR=$(FLAVOR) tests/run-tests.sh --only-bats

# valgrind runs the plain build: the sanitizers and memcheck do not mix.
valgrind:
	$(Q)$(MAKE) --no-print-directory SAN= all $(patsubst tests/unit/%.c,build/std/tests/%,$(UNIT_SRCS))
	$(Q)tests/valgrind.sh $(patsubst tests/unit/%.c,build/std/tests/%,$(UNIT_SRCS))

FUZZERS := fuzz_manifest fuzz_spec fuzz_pin fuzz_archive
FUZZ_B := build/fuzz
FUZZ_SRCS := $(filter-out src/main.c,$(SRCS))
fuzz: $(FUZZERS:%=$(FUZZ_B)/%)
	@for f in $(FUZZERS); do \
		mkdir -p $(FUZZ_B)/corpus-$$f; \
		$(FUZZ_B)/$$f -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
			-dict=tests/fuzz/$${f#fuzz_}.dict \
			$(FUZZ_B)/corpus-$$f tests/fuzz/corpus/$${f#fuzz_} || exit 1; \
	done

# fuzz_pin holds pin.c against the shim's own readers (shim_glue.c includes the shim).
$(FUZZ_B)/fuzz_pin: tests/fuzz/shim_glue.c tests/fuzz/shim_glue.h shims/cuenv-shim.c
$(FUZZ_B)/%: tests/fuzz/%.c $(FUZZ_SRCS) $(B)/bundle.c
	@mkdir -p $(@D)
	$(call msg,FUZZ,$@)
	$(Q)clang -std=c11 -D_POSIX_C_SOURCE=200809L -DCUENV_VERSION='"$(VERSION)"' -g -O1 -Isrc \
		-Itests/fuzz $(DEP_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -o $@ $(filter tests/fuzz/%.c,$^) $(FUZZ_SRCS) \
		$(B)/bundle.c $(DEP_LIBS)

demo: all
	$(Q)tests/demo.sh

bench: all
	$(Q)tests/bench.sh

completions: all
	bin/cuenv completion bash > completions/cuenv.bash
	bin/cuenv completion zsh > completions/_cuenv
	bin/cuenv completion fish > completions/cuenv.fish

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 bin/cuenv $(DESTDIR)$(PREFIX)/bin/cuenv
	install -d $(DESTDIR)$(PREFIX)/libexec/cuenv
	install -m 755 bin/cuenv-shim $(DESTDIR)$(PREFIX)/libexec/cuenv/cuenv-shim
	install -m 644 bin/cuenv-audit.so $(DESTDIR)$(PREFIX)/libexec/cuenv/cuenv-audit.so
	install -m 644 completions/cuenv.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/cuenv
	install -m 644 completions/_cuenv $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_cuenv
	install -m 644 completions/cuenv.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/cuenv.fish

format-check:
	clang-format --dry-run -Werror src/*.c src/*.h

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr -Isrc src

clean:
	rm -rf build bin

-include $(OBJS:.o=.d)
