# Builds the nginx modules against an nginx source tree (Debian's nginx-dev
# by default), the core library's unit tests and the tools, all under
# build/.  "make test" runs everything; "make demo" starts the demo.

NGINX_SRC ?= /usr/share/nginx/src
BUILD     ?= $(CURDIR)/build
NGINX_BIN ?= /usr/sbin/nginx

CC        ?= cc
CORE_CFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow \
              -Wpointer-arith -Wstrict-prototypes -fPIC \
              -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
              -Icore/include
CORE_LIBS   = -lcrypto -lcrypt -lldap -llber -lkrb5 -lcurl -ljansson \
              -lunistring -lpthread

CORE_SRCS  = $(wildcard core/src/*.c)
CORE_HDRS  = $(wildcard core/include/ocs/*.h core/src/*.h)
CORE_OBJS  = $(patsubst core/src/%.c,$(BUILD)/core/%.o,$(CORE_SRCS))
UNIT_SRCS  = $(wildcard core/test/test_*.c)
UNIT_BINS  = $(patsubst core/test/%.c,$(BUILD)/unit/%.t,$(UNIT_SRCS))
TOOLS      = $(BUILD)/ocs-passwd

MODULE     = $(BUILD)/nginx/objs/ngx_http_ocs_module.so
GLUE_SRCS  = config $(wildcard ngx_ocs_*/*.c ngx_ocs_*/*.h)

export OCS_BUILD = $(BUILD)
export OCS_MODULE = $(MODULE)
export OCS_NGINX = $(NGINX_BIN)

.PHONY: all modules unit tools test test-unit test-nginx test-upstream \
        demo bench deps \
        clean

all: modules tools unit

modules: $(MODULE)

$(BUILD)/nginx/Makefile: config tools/configure-nginx
	@mkdir -p $(BUILD)
	tools/configure-nginx $(NGINX_SRC) $(BUILD)/nginx > $(BUILD)/configure.log 2>&1 \
	    || { tail -20 $(BUILD)/configure.log; exit 1; }

$(MODULE): $(BUILD)/nginx/Makefile $(GLUE_SRCS) $(CORE_SRCS) $(CORE_HDRS)
	$(MAKE) -C $(BUILD)/nginx -f objs/Makefile modules

$(BUILD)/core/%.o: core/src/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -c -o $@ $<

$(BUILD)/libocs.a: $(CORE_OBJS)
	rm -f $@
	ar rcs $@ $^

unit: $(UNIT_BINS)

$(BUILD)/unit/%.t: core/test/%.c core/test/ocs_test.h $(BUILD)/libocs.a
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -Icore/test -o $@ $< $(BUILD)/libocs.a $(CORE_LIBS)

tools: $(TOOLS)

$(BUILD)/ocs-passwd: tools/ocs_passwd.c $(BUILD)/libocs.a
	$(CC) $(CORE_CFLAGS) -o $@ $< $(BUILD)/libocs.a $(CORE_LIBS) -lqrencode

test: deps
	$(MAKE) all
	$(MAKE) test-unit test-upstream test-nginx

test-unit: unit
	prove --exec '' $(UNIT_BINS)

test-nginx: modules tools
	prove -j2 -r t/

# the same tests against nginx built from a pristine upstream tree
test-upstream: tools
	tools/test-upstream

demo:
	tools/install-deps --build
	$(MAKE) all
	tools/demo

bench: deps
	$(MAKE) all
	bench/ticket-overhead

deps:
	tools/install-deps

clean:
	rm -rf $(BUILD)
