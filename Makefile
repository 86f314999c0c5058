# compat_linux_rs on a Linux host (Debian 12 x86_64).  On NetBSD use
# Makefile.nbsd.  `make` installs what is missing and builds one module per
# NetBSD release; `make test` runs every test.  See README.md.

SHELL		:= /bin/bash
.SHELLFLAGS	:= -eu -o pipefail -c
.DELETE_ON_ERROR:

BUILD		:= $(CURDIR)/build
RELEASES	:= 11 10

# A module loads only on the major.minor release it was built for.
NETBSD_RELEASE_11 ?= 11.0
NETBSD_RELEASE_10 ?= 10.1
# NetBSD's installed headers, from the PyPI ziglang wheels (netbsd-11 and
# netbsd-10 branches); pinned by hash in ffi/netbsd-headers-*.txt.
ZIGLANG_11	:= 0.17.1
ZIGLANG_10	:= 0.16.0

# Debian's Rust: compiler and library source of one version, kept matched
# by apt.  The kernel target's core is built from that source.
CARGO		:= /usr/bin/cargo
RUSTC		:= /usr/bin/rustc
RUST_LIBRARY	:= /usr/lib/rustlib/src/rust/library
RUSTFMT		:= /usr/bin/rustfmt
CLANG		:= clang-14
READOBJ		:= llvm-readobj-14
PYTHON		:= /usr/bin/python3

APT_PACKAGES	:= rustc-web cargo-web rust-web-src rust-web-clippy rustfmt-web \
		   clang-14 llvm-14 binutils gcc kyua atf-sh mandoc \
		   python3 python3-pip python3-pyelftools unzip musl-tools

TARGET		:= x86_64-unknown-none
RUST_KFLAGS	:= -C relocation-model=static -Z plt=yes \
		   -C force-frame-pointers=yes -Z emit-stack-sizes
SYSROOT		:= $(BUILD)/sysroot
STAMP		:= $(BUILD)/stamp

# __NetBSD_Version__ is MMmmrrpp00.
netbsd_version = $(shell echo $(1) | awk -F. '{ printf "%d%02d000000", $$1, $$2 }')
headers	= $(BUILD)/netbsd-$(1)/include
cflags	= -D__NetBSD_Version__=$(call netbsd_version,$(NETBSD_RELEASE_$(1))) \
	  -D_KMEMUSER -isystem $(call headers,$(1))/x86_64-netbsd-none \
	  -isystem $(call headers,$(1))/generic-netbsd

define newline


endef

KMODS	:= $(foreach r,$(RELEASES),$(BUILD)/netbsd-$(r)/compat_linux_rs.kmod)
# Static Linux programs of the conformance suite (atf-tests/linux/).
HELPERS	:= $(patsubst atf-tests/linux/%.c,$(BUILD)/atf-linux/%,$(wildcard atf-tests/linux/h_*.c))
SOURCES	:= Cargo.toml Cargo.lock build.rs $(wildcard compat_linux_rs/*.rs ffi/*.c ffi/*.h)

export RUSTC_BOOTSTRAP := 1
export RUSTC
# Debian's cargo subcommands (clippy) before any rustup proxy in PATH.
export PATH := /usr/bin:$(PATH)

.PHONY: all deps helpers test unit-test kyua-test lint fuzz bench difffuzz clean
.SECONDARY:
all: $(KMODS) $(HELPERS)
helpers: $(HELPERS)

# --- set-up: packages ---------------------------------------------------

deps: $(STAMP)/apt
$(STAMP)/apt: Makefile
	@missing=$$(for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" != 0 ]; then \
	        echo "make: missing Debian packages (run as root to install): $$missing" >&2; exit 1; \
	    fi; \
	    echo "installing:" $$missing; \
	    apt-get update -q >/dev/null; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; \
	fi
	@rustc=$$(dpkg-query -W -f='$${Version}' rustc-web); src=$$(dpkg-query -W -f='$${Version}' rust-web-src); \
	if [ "$$rustc" != "$$src" ] || [ ! -d $(RUST_LIBRARY)/core ] || [ ! -d $(RUST_LIBRARY)/vendor ]; then \
	    echo "make: need rustc-web and rust-web-src of one version (have $$rustc and $$src, library $(RUST_LIBRARY))" >&2; exit 1; \
	fi
	@mkdir -p $(@D) && touch $@

# --- set-up: NetBSD headers -----------------------------------------------

$(BUILD)/netbsd-%/include/.done: ffi/netbsd-headers-%.txt $(STAMP)/apt
	rm -rf $(BUILD)/dl/$* $(@D)
	mkdir -p $(BUILD)/dl/$* $(@D)
	$(PYTHON) -m pip download -q --no-deps --only-binary=:all: --require-hashes \
	    -r $< -d $(BUILD)/dl/$*
	unzip -q $(BUILD)/dl/$*/ziglang-*.whl -d $(BUILD)/dl/$*/x \
	    'ziglang/lib/libc/include/generic-netbsd/*' \
	    'ziglang/lib/libc/include/x86_64-netbsd-none/*'
	mv $(BUILD)/dl/$*/x/ziglang/lib/libc/include/* $(@D)/
	rm -rf $(BUILD)/dl/$*
	touch $@

# --- set-up: core for the kernel target, offline from Debian's source -----

$(SYSROOT)/.done: $(STAMP)/apt tools/build-core
	CARGO=$(CARGO) RUSTFLAGS="$(RUST_KFLAGS)" tools/build-core $(SYSROOT) $(RUST_LIBRARY)
	touch $@

# --- the modules ----------------------------------------------------------

# Prints the kernel's functions and objects that ffi/kpi.h declares.  Made local
# in the library, compiler_builtins' weak C library names among them (log,
# memcpy) cannot take the place of the kernel's in the link below.
KERNEL_NAMES = $(PYTHON) -c 'import sys; sys.path[0] = "atf-tests/kmod"; \
	import kmodcheck; print(*sorted(kmodcheck.kernel_names("ffi/kpi.h")))'

# cargo: Rust handlers and the C glue (build.rs) in one static library.
$(BUILD)/netbsd-%/lib.a: $(SOURCES) $(SYSROOT)/.done $(BUILD)/netbsd-%/include/.done
	CLRS_CFLAGS="$(call cflags,$*)" CLRS_CC=$(CLANG) \
	    CARGO_TARGET_DIR=$(BUILD)/netbsd-$*/target \
	    RUSTFLAGS="--sysroot $(SYSROOT) $(RUST_KFLAGS)" \
	    $(CARGO) build -q --release --locked --target $(TARGET)
	cp $(BUILD)/netbsd-$*/target/$(TARGET)/release/libcompat_linux_rs.a $@
	names=$$($(KERNEL_NAMES)) && objcopy $$(printf -- '-L %s ' $$names) $@

# ld -r, keeping what the module's modinfo reaches (ffi/kmodule.ld), then
# the loadable file: .stack_sizes dropped (tests read it from the .o),
# every symbol local (kobj refuses globals the kernel already has), and
# R_X86_64_PLT32 written as the equivalent PC32 (see tools/kobj-relocs).
$(BUILD)/netbsd-%/compat_linux_rs.o: $(BUILD)/netbsd-%/lib.a ffi/kmodule.ld
	ld -r --gc-sections -u clrs_syscalls -T ffi/kmodule.ld -o $@ --whole-archive $<

$(BUILD)/netbsd-%/compat_linux_rs.kmod: $(BUILD)/netbsd-%/compat_linux_rs.o tools/kobj-relocs
	echo $(NETBSD_RELEASE_$*) > $(@D)/release
	objcopy --remove-section=.stack_sizes \
	    --keep-global-symbol=__nothing__ $< $@.tmp
	$(PYTHON) tools/kobj-relocs $@.tmp
	mv $@.tmp $@

# --- linuxrun (tools/linuxrun): the module loaded as NetBSD's kobj loads it,
# bound to the kernel model.  One build per release, because the model's
# kernel.c is compiled against that release's headers and the module reaches
# into its structures; build/bin/linuxrun is the NetBSD 11 one, which hands a
# module of another release to linuxrun-<major> beside it.  Non-PIE
# (relocation-model=static; --target keeps build scripts ordinary): the
# module's 32-bit relocations must reach the model's code and data below 2 GiB.
HOST_TARGET	:= x86_64-unknown-linux-gnu
LINUXRUN_SRC	:= $(wildcard tools/linuxrun/src/*.rs) tools/linuxrun/build.rs ffi/linux_syscalls.tab \
		   tools/linuxrun/Cargo.toml tools/linuxrun/Cargo.lock \
		   $(wildcard ffi/model/*) ffi/kpi.h ffi/shim.h
linuxrun_cargo	= CLRS_CFLAGS="$(call cflags,$(1))" CLRS_CC=$(CLANG) \
		  CARGO_TARGET_DIR=$(BUILD)/linuxrun-$(1) RUSTFLAGS="-C relocation-model=static" \
		  $(CARGO) $(2) -q --locked --manifest-path tools/linuxrun/Cargo.toml \
		  --target $(HOST_TARGET)

all: $(BUILD)/bin/linuxrun
$(BUILD)/bin/linuxrun-%: $(LINUXRUN_SRC) $(BUILD)/netbsd-%/include/.done
	$(call linuxrun_cargo,$*,build --release)
	mkdir -p $(@D) && cp $(BUILD)/linuxrun-$*/$(HOST_TARGET)/release/linuxrun $@
$(BUILD)/bin/linuxrun: $(foreach r,$(RELEASES),$(BUILD)/bin/linuxrun-$(r))
	ln -sf linuxrun-11 $@

# Static Linux test programs for it (atf-tests/linuxrun runs them): with
# musl, and with glibc where glibc's own behaviour is tested (tests/glibc/:
# pthread_create and posix_spawn use clone3).
LINUXRUN_TESTS	:= $(patsubst tools/linuxrun/tests/%.c,$(BUILD)/linuxrun-tests/%,\
		   $(wildcard tools/linuxrun/tests/*.c)) \
		   $(patsubst tools/linuxrun/tests/glibc/%.c,$(BUILD)/linuxrun-tests/%,\
		   $(wildcard tools/linuxrun/tests/glibc/*.c))
all: $(LINUXRUN_TESTS)
$(BUILD)/linuxrun-tests/%: tools/linuxrun/tests/%.c tools/linuxrun/tests/tap.h $(STAMP)/apt
	mkdir -p $(@D) && musl-gcc -static -O2 -Wall -Wextra -Werror -o $@ $<
$(BUILD)/linuxrun-tests/%: tools/linuxrun/tests/glibc/%.c tools/linuxrun/tests/tap.h $(STAMP)/apt
	mkdir -p $(@D) && gcc -static -pthread -O2 -Wall -Wextra -Werror -o $@ $<

# make bench: the cost of a routed call against the same call made
# natively on the host (ns per call; tools/linuxrun/bench/callcost.c).
.PHONY: linuxrun-bench
bench: linuxrun-bench
linuxrun-bench: all $(BUILD)/linuxrun-bench/callcost
	@cd $(BUILD)/linuxrun-bench && ./callcost 20000 > native && \
	$(foreach r,$(RELEASES),$(BUILD)/bin/linuxrun --kmod $(BUILD)/netbsd-$(r)/compat_linux_rs.kmod \
	    ./callcost 2000 > routed-$(r) &&) \
	echo "ns per call: native Linux, routed to the NetBSD $(RELEASES) modules" && \
	paste -d' ' native $(foreach r,$(RELEASES),routed-$(r)) | \
	    awk '{ printf "  %-26s %8d %8d %8d\n", $$1, $$2, $$4, $$6 }'
$(BUILD)/linuxrun-bench/%: tools/linuxrun/bench/%.c $(STAMP)/apt
	mkdir -p $(@D) && musl-gcc -static -O2 -Wall -Wextra -Werror -o $@ $<

# Its unit tests (counted with the others) and lint.
.PHONY: linuxrun-unit-test linuxrun-lint
unit-test: linuxrun-unit-test
linuxrun-unit-test: $(foreach r,$(RELEASES),$(BUILD)/netbsd-$(r)/include/.done)
	$(foreach r,$(RELEASES),@echo "linuxrun unit tests, NetBSD $(r) headers:" && \
	    $(call linuxrun_cargo,$(r),test --release)$(newline))
lint: linuxrun-lint
linuxrun-lint: $(foreach r,$(RELEASES),$(BUILD)/netbsd-$(r)/include/.done)
	$(RUSTFMT) --edition 2024 --check tools/linuxrun/src/main.rs tools/linuxrun/build.rs
	$(foreach r,$(RELEASES),$(call linuxrun_cargo,$(r),clippy --release --all-targets) -- -D warnings$(newline))

# --- the conformance suite's Linux programs -------------------------------

# Static with musl, and marked as Linux binaries: NetBSD's exec picks the
# Linux emulation by the ELF OS/ABI byte.
$(BUILD)/atf-linux/h_%: atf-tests/linux/h_%.c atf-tests/linux/h_common.h \
    atf-tests/linux/h_procmem.h atf-tests/linux/h_pidfd.h atf-tests/linux/linux_nr.h $(STAMP)/apt
	@mkdir -p $(@D)
	musl-gcc -static -pthread -O2 -Wall -Wextra -Werror -o $@.tmp $<
	elfedit --output-osabi=Linux $@.tmp
	mv $@.tmp $@

# --- the differential fuzzer (tools/difffuzz/) ------------------------------

# The program the seeds run, on this host and through linuxrun: static with
# musl and marked as a Linux binary like the conformance helpers, so that it
# runs the same everywhere.  plant, for the fuzzer's own tests, runs it on a
# Linux with one wrong answer (host only; glibc for the kernel headers).
DIFFFUZZ	:= $(BUILD)/difffuzz/difffuzz
all: $(DIFFFUZZ) $(BUILD)/difffuzz/plant
$(DIFFFUZZ): tools/difffuzz/difffuzz.c atf-tests/linux/linux_nr.h $(STAMP)/apt
	@mkdir -p $(@D)
	musl-gcc -static -O2 -Wall -Wextra -Werror -o $@.tmp $<
	elfedit --output-osabi=Linux $@.tmp
	mv $@.tmp $@
$(BUILD)/difffuzz/plant: tools/difffuzz/plant.c $(STAMP)/apt
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -Werror -o $@ $<

# make difffuzz: a campaign against both modules (at least 200 seeds of 50
# calls, then more until CLRS_DIFFFUZZ_SECONDS if set), every difference
# outside tools/difffuzz/deviations reduced and printed; the report also in
# build/difffuzz/report.txt.  Fails if there is such a difference.
CLRS_DIFFFUZZ_SECONDS ?=
# The campaigns against the modules in make test (atf-tests/difffuzz): 500
# seeds each (about 40 seconds here), then more until CLRS_DIFFFUZZ_SECONDS
# if set; "no" leaves them out.
DIFFFUZZ_CAMPAIGN ?= yes
difffuzz_cmd	= $(PYTHON) tools/difffuzz/difffuzz.py --program $(DIFFFUZZ) \
		  --linuxrun $(BUILD)/bin/linuxrun \
		  $(foreach r,$(RELEASES),--module $(r)=$(BUILD)/netbsd-$(r)/compat_linux_rs.kmod)
difffuzz: all
	$(difffuzz_cmd) campaign --report $(BUILD)/difffuzz/report.txt \
	    $(if $(CLRS_DIFFFUZZ_SECONDS),--seconds $(CLRS_DIFFFUZZ_SECONDS))

# --- tests ----------------------------------------------------------------

# Every test; the last line totals them as "N passed, N failed".
test: all
	@status=0; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(MAKE) --no-print-directory unit-test 2>&1 | tee $(BUILD)/unit-test.log || status=1; \
	$(MAKE) --no-print-directory kyua-test 2>&1 | tee $(BUILD)/kyua-test.log || status=1; \
	rm -f $(BUILD)/rump-test.log; \
	if [ -n "$(rump_ready)" ]; then \
	    $(MAKE) --no-print-directory test-rump 2>&1 | tee $(BUILD)/rump-test.log || status=1; \
	    rump=$$(sed -n 's/^kyua: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' $(BUILD)/rump-test.log | \
		awk '{ p += $$1; f += $$2 } END { if (NR == $(words $(RELEASES))) print p, f }'); \
	else \
	    rump="0 0"; \
	    echo "the rump kernel layer was not run: no rump sources at $(RUMP_SRC)" \
		"and no rump kernel built from them in $(RUMP_KERNEL) (see README.md); counted neither passed nor failed"; \
	fi; \
	unit=$$(sed -n 's/^test result: .*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' $(BUILD)/unit-test.log | \
	    awk '{ p += $$1; f += $$2 } END { if (NR) print p, f }'); \
	kyua=$$(sed -n 's/^kyua: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' $(BUILD)/kyua-test.log | \
	    awk '{ p += $$1; f += $$2 } END { if (NR) print p, f }'); \
	set -- $${unit:-0 1} $${kyua:-0 1} $${rump:-0 1}; \
	echo "total: $$(($$1 + $$3 + $$5)) passed, $$(($$2 + $$4 + $$6)) failed"; \
	exit $$status

# Host tests of the handlers, shims and glue against the kernel model
# (ffi/model/), built with each release's headers.
unit-test: $(foreach r,$(RELEASES),$(BUILD)/netbsd-$(r)/include/.done)
	$(foreach r,$(RELEASES),@echo "unit tests, NetBSD $(r) headers:" && \
	    CLRS_CFLAGS="$(call cflags,$(r))" CARGO_TARGET_DIR=$(BUILD)/host-$(r) \
	    $(CARGO) test -q --locked$(newline))

# The ATF suite (module checks, manual page, the conformance suite run on
# this Linux host as the reference, the LTP runner, linuxrun) with kyua;
# the conformance suite again through linuxrun against each module; then
# the figures the module checks measured.
kyua-test: all
	atf-tests/run-kyua $(BUILD)/kyua build=$(BUILD) require_build=yes \
	    readobj=$(READOBJ) cc=cc clang=$(CLANG) python=$(PYTHON) helpers=$(BUILD)/atf-linux \
	    difffuzz_campaign=$(DIFFFUZZ_CAMPAIGN) \
	    $(if $(CLRS_DIFFFUZZ_SECONDS),difffuzz_seconds=$(CLRS_DIFFFUZZ_SECONDS))
	$(foreach r,$(RELEASES),@echo "the conformance suite through linuxrun, NetBSD $(r) module:"$(newline)\
	atf-tests/run-kyua $(BUILD)/kyua-linuxrun-$(r) helpers=$(BUILD)/atf-linux platform=netbsd-module \
	    runner="$(BUILD)/bin/linuxrun --kmod $(BUILD)/netbsd-$(r)/compat_linux_rs.kmod" linux$(newline))
	@for r in $(RELEASES); do \
	    d=$(BUILD)/netbsd-$$r; \
	    echo "netbsd-$$r: $$($(PYTHON) atf-tests/kmod/kmodcheck.py nopanic $$d/compat_linux_rs.kmod | head -1);" \
	        "$$(READOBJ=$(READOBJ) $(PYTHON) atf-tests/kmod/kmodcheck.py stack $$d/compat_linux_rs.o 512 | tail -1);" \
	        "$$(stat -c %s $$d/compat_linux_rs.kmod) bytes"; \
	done

# Randomised runs of each handler through the model, CLRS_FUZZ_SECONDS each
# (default 10), in a scratch working directory (renameat2 renames there).
fuzz: $(foreach r,$(RELEASES),$(BUILD)/netbsd-$(r)/include/.done)
	$(foreach r,$(RELEASES),mkdir -p $(BUILD)/fuzz-$(r) && cd $(BUILD)/fuzz-$(r) && \
	    CLRS_CFLAGS="$(call cflags,$(r))" CARGO_TARGET_DIR=$(BUILD)/host-$(r) \
	    $(CARGO) test -q --locked --release --manifest-path $(CURDIR)/Cargo.toml \
	    fuzz:: -- --ignored --nocapture --test-threads=2$(newline))

# Throughput and per-call cost of the handlers in the model, per release.
bench: $(foreach r,$(RELEASES),$(BUILD)/netbsd-$(r)/include/.done)
	$(foreach r,$(RELEASES),@echo "NetBSD $(r) headers:"$(newline)\
	    CLRS_CFLAGS="$(call cflags,$(r))" CARGO_TARGET_DIR=$(BUILD)/host-$(r) \
	    $(CARGO) test -q --locked --release bench:: -- --ignored --nocapture \
	    --test-threads=1$(newline))

# rustfmt and clippy (host and kernel target), Debian's matched versions.
lint: $(foreach r,$(RELEASES),$(BUILD)/netbsd-$(r)/include/.done) $(SYSROOT)/.done
	$(RUSTFMT) --edition 2024 --check compat_linux_rs/lib.rs build.rs
	CLRS_CFLAGS="$(call cflags,11)" CARGO_TARGET_DIR=$(BUILD)/host-11 \
	    $(CARGO) clippy -q --locked --all-targets -- -D warnings
	CLRS_CFLAGS="$(call cflags,10)" CARGO_TARGET_DIR=$(BUILD)/host-10 \
	    $(CARGO) clippy -q --locked --all-targets -- -D warnings
	CLRS_CFLAGS="$(call cflags,11)" CLRS_CC=$(CLANG) CARGO_TARGET_DIR=$(BUILD)/netbsd-11/target \
	    RUSTFLAGS="--sysroot $(SYSROOT) $(RUST_KFLAGS)" \
	    $(CARGO) clippy -q --locked --release --target $(TARGET) -- -D warnings

clean:
	rm -rf $(BUILD)

include tools/rump/rump.mk
