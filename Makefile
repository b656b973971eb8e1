# Builds the nginx modules against an nginx source tree (Debian's nginx-dev
# by default), the core library's unit tests and the tools, all under
# build/.  "make test" installs what is missing and runs everything, "make
# check" runs everything; "make demo" starts the demo.
# One line per compiled file; "make V=1" shows the commands.

NGINX_SRC ?= /usr/share/nginx/src
BUILD     ?= $(CURDIR)/build
NGINX_BIN ?= /usr/sbin/nginx
CLANG     ?= clang
V         ?= 0

CORE_CFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow \
              -Wpointer-arith -Wstrict-prototypes -fPIC \
              -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
              -Icore/include $(OCS_EXTRA_CFLAGS)
CORE_LIBS   = -lcrypto -lcrypt -lldap -llber -lgssapi_krb5 -lkrb5 -lcurl \
              -ljansson -lunistring -lpthread

CORE_SRCS  = $(wildcard core/src/*.c)
CORE_HDRS  = $(wildcard core/include/ocs/*.h core/src/*.h)
CORE_OBJS  = $(patsubst core/src/%.c,$(BUILD)/core/%.o,$(CORE_SRCS))
UNIT_SRCS  = $(wildcard core/test/test_*.c)
UNIT_OBJS  = $(patsubst core/test/%.c,$(BUILD)/unit/%.o,$(UNIT_SRCS))
UNIT_BINS  = $(patsubst core/test/%.c,$(BUILD)/unit/%.t,$(UNIT_SRCS))
TOOLS      = $(BUILD)/ocs-passwd $(BUILD)/ocs-conference

NGX_TREE   = $(BUILD)/nginx
MODULE     = $(NGX_TREE)/objs/ngx_http_ocs_module.so
SKIPPED    = $(BUILD)/test-skipped

export OCS_BUILD = $(BUILD)
export OCS_MODULE = $(MODULE)
export OCS_NGINX = $(NGINX_BIN)

MAKEFLAGS += --no-print-directory

# tools/cc-step runs each compile and link: it shows one line per step
# unless V=1, and replaces what it links by rename
ifeq ($(V),1)
Q     =
STEP  = $(CURDIR)/tools/cc-step
NGX_Q =
else
Q     = @
STEP  = $(CURDIR)/tools/cc-step -q
NGX_Q = -s
endif

say = $(if $(Q),@printf '  %-4s %s\n' '$(1)' '$(2)',@:)
rel = $(patsubst $(CURDIR)/%,%,$(1))

# nginx's objs/Makefile knows which object needs which header (config
# lists them): it runs every time and does nothing when nothing changed
NGX_MAKE = $(MAKE) $(NGX_Q) -C $(NGX_TREE) -f objs/Makefile CC='$(STEP) $(CC)'

# the Apache httpd module (mod_ocs_apache/), built with apxs's flags
# against its own copy of nothing: the same core objects, linked in
APXS       ?= apxs
AP_BUILD    = $(BUILD)/apache
AP_MODULE   = $(AP_BUILD)/mod_auth_ocs.so
AP_SRCS     = $(wildcard mod_ocs_apache/*.c)
AP_HDRS     = $(wildcard mod_ocs_apache/*.h)
AP_OBJS     = $(patsubst mod_ocs_apache/%.c,$(AP_BUILD)/%.o,$(AP_SRCS))
AP_CFLAGS   = $(CORE_CFLAGS) -Wno-strict-prototypes -fvisibility=hidden \
              $(shell $(APXS) -q EXTRA_CPPFLAGS 2>/dev/null) \
              -I$(shell $(APXS) -q INCLUDEDIR 2>/dev/null) \
              -I$(shell $(APXS) -q APR_INCLUDEDIR 2>/dev/null)

export OCS_APACHE_MODULE = $(AP_MODULE)

.PHONY: all modules nginx-binary apache unit tools test check test-unit \
        test-nginx test-clang test-upstream demo bench deps clean FORCE \
        fuzz fuzz-build fuzz-replay test-fuzz-replay unit-asan \
        test-unit-asan test-valgrind test-asan fuzz-coverage

all: modules tools unit apache

apache: $(AP_MODULE)

$(AP_BUILD)/%.o: mod_ocs_apache/%.c $(AP_HDRS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(STEP) $(CC) $(AP_CFLAGS) -c -o $@ $<

# only the module record is visible: the core stays inside the .so
$(AP_MODULE): $(AP_OBJS) $(BUILD)/libocs.a
	$(Q)$(STEP) $(CC) -shared -Wl,--exclude-libs,ALL -o $@ $(AP_OBJS) \
	    $(BUILD)/libocs.a \
	    $(CORE_LIBS)

modules: $(NGX_TREE)/objs/Makefile
	$(Q)+$(NGX_MAKE) modules

# nginx itself, from an upstream tree (nginx-dev holds headers only)
nginx-binary: $(NGX_TREE)/objs/Makefile
	$(Q)+$(NGX_MAKE) binary

# What a configured tree depends on besides config: the nginx tree (its
# path, its version, Debian's configure flags) and the compiler.  It is
# rewritten only when one of them changes, so that an nginx-dev upgrade
# reconfigures and an unchanged tree does not.
$(BUILD)/nginx.id: FORCE
	@mkdir -p $(BUILD)
	@id=$$(echo 'src $(abspath $(NGINX_SRC))'; echo 'cc $(CC)'; \
	       grep -hs 'define NGINX_VERSION ' $(NGINX_SRC)/src/core/nginx.h; \
	       cat $(NGINX_SRC)/conf_flags 2>/dev/null; \
	       $(if $(OCS_NGX_CC_OPT)$(OCS_NGX_LD_OPT),echo \
	           'opt $(OCS_NGX_CC_OPT) | $(OCS_NGX_LD_OPT)')); \
	 [ "$$id" = "$$(cat $@ 2>/dev/null)" ] || echo "$$id" > $@

$(NGX_TREE)/objs/Makefile: $(BUILD)/nginx.id config tools/configure-nginx
	$(call say,CONF,$(call rel,$(NGX_TREE)) (log: $(call rel,$(BUILD))/configure.log))
	$(Q)CC='$(CC)' tools/configure-nginx $(NGINX_SRC) $(NGX_TREE) \
	    > $(BUILD)/configure.log 2>&1 \
	    || { tail -20 $(BUILD)/configure.log; exit 1; }

$(BUILD)/core/%.o: core/src/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(STEP) $(CC) $(CORE_CFLAGS) -c -o $@ $<

$(BUILD)/libocs.a: $(CORE_OBJS)
	$(call say,AR,$(call rel,$@))
	$(Q)rm -f $@.tmp && ar rcs $@.tmp $^ && mv -f $@.tmp $@

unit: $(UNIT_BINS)

$(BUILD)/unit/%.o: core/test/%.c core/test/ocs_test.h core/test/ocs_test_ring.h \
                    $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(STEP) $(CC) $(CORE_CFLAGS) -Icore/test -c -o $@ $<

$(BUILD)/unit/%.t: $(BUILD)/unit/%.o $(BUILD)/libocs.a
	$(Q)$(STEP) $(CC) $(CORE_CFLAGS) -o $@ $< $(BUILD)/libocs.a $(CORE_LIBS)

tools: $(TOOLS)

$(BUILD)/tools/%.o: tools/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(STEP) $(CC) $(CORE_CFLAGS) -c -o $@ $<

$(BUILD)/ocs-passwd: $(BUILD)/tools/ocs_passwd.o $(BUILD)/libocs.a
	$(Q)$(STEP) $(CC) $(CORE_CFLAGS) -o $@ $^ $(CORE_LIBS) -lqrencode

$(BUILD)/ocs-conference: $(BUILD)/tools/ocs_conference.o $(BUILD)/libocs.a
	$(Q)$(STEP) $(CC) $(CORE_CFLAGS) -o $@ $^ $(CORE_LIBS)

# kept: without them every make would relink the unit tests
.SECONDARY: $(UNIT_OBJS) $(BUILD)/tools/ocs_passwd.o \
            $(BUILD)/tools/ocs_conference.o

# libFuzzer targets (core/test/fuzz/fuzz_*.c), built with clang and the
# sanitizers against their own copy of the core in build/fuzz/.  "make
# fuzz" runs each for FUZZ_SECONDS over its seed corpus
# (core/test/fuzz/corpus/<target>/, new inputs go to build/fuzz/corpus/)
# with its dictionary (core/test/fuzz/<target>.dict) and prints
# libFuzzer's final figures; "make fuzz-replay" only runs every target
# once over each committed input.  Either fails on any crash.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_DIR      = $(BUILD)/fuzz
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS   = -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wshadow \
                -Wpointer-arith -Wstrict-prototypes -Icore/include $(FUZZ_SAN)
FUZZ_SRCS     = $(wildcard core/test/fuzz/fuzz_*.c)
FUZZ_BINS     = $(patsubst core/test/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRCS))
FUZZ_OBJS     = $(patsubst core/src/%.c,$(FUZZ_DIR)/core/%.o,$(CORE_SRCS))

$(FUZZ_DIR)/core/%.o: core/src/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(STEP) $(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/libocs.a: $(FUZZ_OBJS)
	$(call say,AR,$(call rel,$@))
	$(Q)rm -f $@.tmp && ar rcs $@.tmp $^ && mv -f $@.tmp $@

$(FUZZ_DIR)/fuzz_%: core/test/fuzz/fuzz_%.c $(FUZZ_DIR)/libocs.a $(CORE_HDRS)
	$(Q)$(STEP) $(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_DIR)/libocs.a $(CORE_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@rc=0; for bin in $(FUZZ_BINS); do \
	    t=$$(basename $$bin); seeds=core/test/fuzz/corpus/$$t; \
	    dict=core/test/fuzz/$$t.dict; work=$(FUZZ_DIR)/corpus/$$t; \
	    mkdir -p $$work $(FUZZ_DIR)/crash; \
	    [ -f $$dict ] && d=-dict=$$dict || d=; \
	    [ -d $$seeds ] || seeds=; \
	    f=$$(cat core/test/fuzz/$$t.flags 2>/dev/null); \
	    printf '  FUZZ %s (%ss)\n' $$t '$(FUZZ_SECONDS)'; \
	    if nice $$bin -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_DIR)/crash/$$t- $$d $$f $(FUZZ_FLAGS) \
	        $$work $$seeds > $(FUZZ_DIR)/$$t.log 2>&1; \
	    then \
	        grep -E '^#[0-9]+.*DONE' $(FUZZ_DIR)/$$t.log | tail -1 \
	            | sed 's/^/       /'; \
	        grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' \
	            $(FUZZ_DIR)/$$t.log | sed 's/^/       /'; \
	    else \
	        tail -40 $(FUZZ_DIR)/$$t.log; rc=1; \
	        echo "make: $$t crashed, see $(call rel,$(FUZZ_DIR))/$$t.log" >&2; \
	    fi; \
	done; exit $$rc

# what each target's corpus covers (tools/fuzz-coverage)
fuzz-coverage:
	$(Q)CLANG='$(CLANG)' tools/fuzz-coverage

# the documented long run: FUZZ_RUNS executions per target (10^7)
fuzz-long: fuzz-build
	$(Q)tools/fuzz-long

fuzz-replay: fuzz-build
	@rc=0; for bin in $(FUZZ_BINS); do \
	    t=$$(basename $$bin); seeds=core/test/fuzz/corpus/$$t; \
	    n=$$(find $$seeds -type f 2>/dev/null | wc -l); \
	    printf '  REPLAY %s (%s inputs)\n' $$t $$n; \
	    [ $$n -gt 0 ] || { echo "make: $$t has no corpus" >&2; rc=1; \
	                       continue; }; \
	    find $$seeds -type f -print0 | xargs -0 $$bin -runs=1 \
	        > $(FUZZ_DIR)/$$t.replay.log 2>&1 \
	        || { tail -40 $(FUZZ_DIR)/$$t.replay.log; rc=1; }; \
	done; exit $$rc

# The core and its unit tests built with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in build/asan/ (never mixed with the normal
# build), and a canary that makes each kind of report on purpose;
# tools/test-unit-asan runs them, failing on any report.
ASAN_DIR        = $(BUILD)/asan
ASAN_CFLAGS     = -std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
                  -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
                  -Icore/include $(FUZZ_SAN)
ASAN_CORE_OBJS  = $(patsubst core/src/%.c,$(ASAN_DIR)/core/%.o,$(CORE_SRCS))
ASAN_UNIT_BINS  = $(patsubst core/test/%.c,$(ASAN_DIR)/unit/%.t,$(UNIT_SRCS))

$(ASAN_DIR)/core/%.o: core/src/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(STEP) $(CLANG) $(ASAN_CFLAGS) -c -o $@ $<

$(ASAN_DIR)/libocs.a: $(ASAN_CORE_OBJS)
	$(call say,AR,$(call rel,$@))
	$(Q)rm -f $@.tmp && ar rcs $@.tmp $^ && mv -f $@.tmp $@

$(ASAN_DIR)/unit/%.t: core/test/%.c core/test/ocs_test.h \
                      core/test/ocs_test_ring.h $(ASAN_DIR)/libocs.a \
                      $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(STEP) $(CLANG) $(ASAN_CFLAGS) -Icore/test -o $@ $< \
	    $(ASAN_DIR)/libocs.a $(CORE_LIBS)

$(ASAN_DIR)/san_canary: core/test/san_canary.c
	@mkdir -p $(dir $@)
	$(Q)$(STEP) $(CLANG) $(ASAN_CFLAGS) -o $@ $<

unit-asan: $(ASAN_UNIT_BINS) $(ASAN_DIR)/san_canary

# the unit tests under valgrind's memcheck (tools/test-valgrind), with
# the canary built as they are
$(BUILD)/valgrind/san_canary: core/test/san_canary.c
	@mkdir -p $(dir $@)
	$(Q)$(STEP) $(CC) $(CORE_CFLAGS) -o $@ $<

test-valgrind: unit $(BUILD)/valgrind/san_canary
	$(Q)tools/test-valgrind

# in "make check": skipped (or failed with OCS_TEST_STRICT) without
# clang and its sanitizer runtimes, as test-clang is
test-unit-asan:
	@if tools/need-clang $@ '$(CLANG)' address,undefined; then \
	    $(MAKE) unit-asan && tools/test-unit-asan; \
	else \
	    [ $$? -eq 1 ]; \
	fi

test-fuzz-replay:
	@if tools/need-clang $@ '$(CLANG)' fuzzer,address,undefined; then \
	    $(MAKE) fuzz-replay; \
	else \
	    [ $$? -eq 1 ]; \
	fi

test: deps
	@+$(MAKE) check

# "make test" without the packages: the parts one after the other, even
# with -j.  A part that cannot run (no clang, Debian's archive
# unreachable) says why when it stops, and again here after the last
# summary.
CHECKS = test-unit test-unit-asan test-valgrind test-fuzz-replay \
         test-clang test-upstream test-nginx

check: all
	@rm -f $(SKIPPED)
	@+rc=0; for part in $(CHECKS); do \
	    $(MAKE) $$part || { rc=$$?; break; }; \
	done; \
	if [ -s $(SKIPPED) ]; then \
	    printf '\nmake: not every part of the suite ran:\n' >&2; \
	    cat $(SKIPPED) >&2; \
	fi; \
	exit $$rc

test-unit: unit
	$(Q)prove --exec '' $(UNIT_BINS)

test-nginx: modules tools
	$(Q)prove -j2 -r t/

# The scripts run make with their own flags: this make's variables reach
# them in the environment, not its flags (with "make -n" they would run
# in full, and without the jobserver a -j would warn).

# the module, the core and its unit tests built with clang in build/clang
test-clang:
	@$(TEST_ENV) OCS_CLANG='$(CLANG)' tools/test-clang

# the same tests against nginx built from a pristine upstream tree
test-upstream: tools
	@$(TEST_ENV) tools/test-upstream

# the integration suite against that nginx and the module built with
# ASan+UBSan, one file at a time, failing on any report (not in "make
# check": it takes several times the suite's time); TESTS picks files
TESTS ?=
test-asan:
	@$(TEST_ENV) OCS_CLANG='$(CLANG)' tools/test-asan $(TESTS)

TEST_ENV = MAKEFLAGS= MAKELEVEL= NGINX_SRC='$(NGINX_SRC)' CC='$(CC)' V='$(V)'

demo:
	tools/install-deps --build
	$(MAKE) all
	tools/demo

bench: deps
	$(MAKE) all
	bench/ticket-overhead

deps:
	@tools/install-deps

clean:
	rm -rf $(BUILD)
