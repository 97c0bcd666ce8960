# siptrail build. Everything lands in $(BUILD) so several trees can build side by side.
# Sources are found by wildcard: a new file in decoders/, a userspace/ layer folder, bpf/ or
# tests/ needs no Makefile change.

BUILD ?= build
ASAN_BUILD ?= $(BUILD)/asan
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
FUZZ_SECONDS ?= 30

ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
WARN := -Wall -Wextra -Werror -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
# userspace/ has one folder per layer (docs/architecture.md); headers are included by name.
USER_LAYERS := $(patsubst %/,%,$(sort $(dir $(wildcard userspace/*/*.h))))
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(CPPFLAGS) -D_GNU_SOURCE -Idecoders -Ibpf \
	$(addprefix -I,$(USER_LAYERS)) -Itests/lib -I$(BUILD)
LIBS := -lbpf -lelf -lz -lzstd -lssl -lcrypto -ljansson -lpcap -lcap -lm

DECODER_SRCS := $(sort $(wildcard decoders/*.c))
USER_SRCS := $(filter-out userspace/cli/main.c,$(sort $(wildcard userspace/*/*.c)))
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
LIVE_SRCS := $(sort $(wildcard tests/live/test_*.c))
TESTLIB_SRCS := $(sort $(wildcard tests/lib/*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRCS := $(sort $(wildcard bench/bench_*.c))

DECODER_OBJS := $(DECODER_SRCS:%.c=$(BUILD)/%.o)
USER_OBJS := $(USER_SRCS:%.c=$(BUILD)/%.o)
TESTLIB_OBJS := $(TESTLIB_SRCS:%.c=$(BUILD)/%.o)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.skel.h)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
LIVE_BINS := $(LIVE_SRCS:tests/live/%.c=$(BUILD)/tests/%)
ASAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(ASAN_BUILD)/tests/%)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

DECODER_LIB := $(BUILD)/libsiptrail_decoders.a
CORE_LIB := $(BUILD)/libsiptrail_core.a
SIPTRAIL := $(BUILD)/siptrail
PKI := $(BUILD)/tools/pki

.SECONDARY:
.DELETE_ON_ERROR:
.PHONY: all deps test test-kernels unit live demo fuzz bench bench-trunk clean format deb install install-service
all: $(SIPTRAIL) $(PKI) $(UNIT_BINS) $(LIVE_BINS)

deps:
	@tools/install-deps.sh

# --- eBPF: vmlinux.h from the running kernel's BTF, CO-RE objects, skeletons ---
$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

# --- userspace ---
$(BUILD)/%.o: %.c $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(DECODER_LIB): $(DECODER_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(CORE_LIB): $(USER_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The version's one home is debian/changelog (its first line, before a snapshot's +git suffix).
VERSION := $(shell head -1 debian/changelog | cut -d'(' -f2 | cut -d')' -f1 | cut -d+ -f1)
$(BUILD)/userspace/cli/main.o: ALL_CFLAGS += -DSIPTRAIL_VERSION='"$(VERSION)"'
$(BUILD)/userspace/cli/main.o: debian/changelog

$(SIPTRAIL): $(BUILD)/userspace/cli/main.o $(CORE_LIB) $(DECODER_LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@

# --- tests: each tests/*/test_NAME.c is one cmocka program ---
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TESTLIB_OBJS) $(CORE_LIB) $(DECODER_LIB)
	$(CC) $(ALL_CFLAGS) $^ -lcmocka $(LIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/live/%.o $(TESTLIB_OBJS) $(CORE_LIB) $(DECODER_LIB)
	$(CC) $(ALL_CFLAGS) $^ -lcmocka $(LIBS) -o $@

# The tests' PKI maker from the shell (tools/lab/pki.sh and the shell tests, also in the kernel
# guests, call it).
$(PKI): $(BUILD)/tools/pki.o $(BUILD)/tests/lib/test_pki.o
	$(CC) $(ALL_CFLAGS) $^ -lcrypto -o $@

# The unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer: every object is
# built a second time with the sanitizers, into $(ASAN_BUILD).
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_DECODER_LIB := $(ASAN_BUILD)/libsiptrail_decoders.a
ASAN_CORE_LIB := $(ASAN_BUILD)/libsiptrail_core.a

$(ASAN_BUILD)/%.o: %.c $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -O1 $(SAN) -MMD -MP -c $< -o $@

$(ASAN_DECODER_LIB): $(DECODER_SRCS:%.c=$(ASAN_BUILD)/%.o)
	@rm -f $@
	ar rcs $@ $^

$(ASAN_CORE_LIB): $(USER_SRCS:%.c=$(ASAN_BUILD)/%.o)
	@rm -f $@
	ar rcs $@ $^

$(ASAN_BUILD)/tests/%: $(ASAN_BUILD)/tests/unit/%.o $(TESTLIB_SRCS:%.c=$(ASAN_BUILD)/%.o) \
		$(ASAN_CORE_LIB) $(ASAN_DECODER_LIB)
	$(CC) $(ALL_CFLAGS) $(SAN) $^ -lcmocka $(LIBS) -o $@

# --- fuzzing (libFuzzer needs clang) ---
# Undefined behaviour stops the run like a crash (UBSan alone would report it and go on).
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
$(BUILD)/fuzz/%: tests/fuzz/%.c $(DECODER_SRCS)
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -g -O1 -D_GNU_SOURCE -Idecoders $(FUZZ_SAN) \
		$^ -lssl -lcrypto -lpcap -lz -lzstd -o $@

# The journal reader's target also needs the layers it reads into (model, journal) and jansson.
JOURNAL_FUZZ_SRCS := $(sort $(wildcard userspace/model/*.c userspace/journal/*.c))
$(BUILD)/fuzz/fuzz_journal: tests/fuzz/fuzz_journal.c $(DECODER_SRCS) $(JOURNAL_FUZZ_SRCS)
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -g -O1 -D_GNU_SOURCE -Idecoders -Iuserspace/model -Iuserspace/journal \
		$(FUZZ_SAN) $^ -lssl -lcrypto -lpcap -lz -lzstd -ljansson -o $@

fuzz: deps $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$(basename $$f); \
		$$f -max_total_time=$(FUZZ_SECONDS) $(BUILD)/fuzz/corpus-$$(basename $$f) || exit 1; \
	done

# --- benchmarks (not tests) ---
$(BUILD)/bench/%: bench/%.c $(CORE_LIB) $(DECODER_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -O3 $^ $(LIBS) -o $@

bench: deps $(SIPTRAIL) $(BENCH_BINS)
	@for b in $(BENCH_BINS); do $$b || exit 1; done

# A real trunk: Kamailio between SIPp peers in the lab's namespaces, TLS and plain TCP (root,
# Kamailio and SIPp, two copies side by side, one traced; about 3 minutes a trunk;
# docs/performance.md)
bench-trunk: deps
	$(MAKE) --no-print-directory $(SIPTRAIL) $(PKI)
	@SIPTRAIL_BIN=$${SIPTRAIL_BIN:-$(SIPTRAIL)} SIPTRAIL_PKI=$(PKI) bench/bench_trunk_load.sh

test: deps
	$(MAKE) --no-print-directory all $(ASAN_UNIT_BINS) $(FUZZ_BINS)
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) tests/run.sh \
		tests/check_layers.sh $(UNIT_BINS) $(LIVE_BINS) $(ASAN_UNIT_BINS) \
		$(addprefix fuzz:,$(FUZZ_BINS)) \
		tests/lab/run-lab-tests.sh tests/test_failfast.sh tests/test_hep_sipcapture.sh tests/test_man.sh tests/test_install.sh tests/test_deb.sh \
		tests/kernels/run-kernel-tests.sh

# The same binary on other kernels, each in a QEMU guest: Debian 12's 6.1 and 6.12 (KERNELS
# picks; docs/kernels.md). About a minute; also part of `make test`.
test-kernels: deps
	$(MAKE) --no-print-directory $(SIPTRAIL) $(PKI)
	@BUILD=$(BUILD) tests/kernels/run-kernel-tests.sh

# The smoke is about 30 s in all, shared among the fuzz targets.
FUZZ_SMOKE_SECONDS ?= 10

demo: deps
	$(MAKE) --no-print-directory $(SIPTRAIL)
	@tools/demo.sh $(SIPTRAIL)

# --- installing (docs/operations.md) ---
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/siptrail
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc

install: $(SIPTRAIL)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR)
	install -m 0755 $(SIPTRAIL) $(DESTDIR)$(BINDIR)/siptrail
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/

# The service for a source install: the package's unit with this install's paths, and its
# settings unless they exist already (they are the operator's).
install-service: install
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/default
	sed -e 's|/usr/bin/siptrail|$(BINDIR)/siptrail|' -e 's|/usr/share/doc/siptrail|$(DOCDIR)|g' \
		-e 's|/etc/default/siptrail|$(SYSCONFDIR)/default/siptrail|' debian/siptrail.service \
		>$(DESTDIR)$(UNITDIR)/siptrail.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/siptrail.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/siptrail ] || \
		install -m 0644 debian/siptrail.default $(DESTDIR)$(SYSCONFDIR)/default/siptrail

# The Debian package, built by dpkg-buildpackage from debian/ in a copy of this tree under
# $(BUILD)/deb (this tree stays as it is); prints the .deb's path.
deb:
	@tools/deb/build-deb.sh $(BUILD)/deb

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
