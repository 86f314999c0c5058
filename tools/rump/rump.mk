# The rump kernel layer (included by Makefile): the module's handlers and
# glue run against real NetBSD kernel code, a rump kernel of NetBSD
# 7.99.34 built with DIAGNOSTIC and LOCKDEBUG.  See tools/rump/README.md.
#
#   make test-rump	build what is missing, run atf-tests/rump with kyua
#			against the NetBSD 10 and 11 module objects
#   make bench-rump	copy_file_range against a read/write loop
#
# RUMP_SRC names the source tarball (default ../shared/rump, beside the
# checkout); it must have the sha256 RUMP_SHA256 (tools/rump/rump-src.sha256
# unless given).  The kernel is built once into RUMP_CACHE, keyed by it.

RUMP_SRC	?= $(CURDIR)/../shared/rump/rump-src.tar.xz
RUMP_SHA256	?= $(shell cat tools/rump/rump-src.sha256)
RUMP_CACHE	?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/compat_linux_rs
RUMP_KERNEL	:= $(RUMP_CACHE)/rump-$(RUMP_SHA256)
RUMP_DEST	:= $(RUMP_KERNEL)/dest
RUMP_SYS	:= $(RUMP_KERNEL)/src-netbsd/sys
RUMPMAKE	:= $(RUMP_KERNEL)/obj/tooldir/rumpmake
RB		:= $(BUILD)/rump
RUMP_HARNESS	:= $(wildcard tools/rump/harness/*)
RUMP_TESTS	:= t_calls t_races t_module t_procmem t_rw t_paths t_pidfd
RUMP_LIBS	:= rumpfs_ffs rumpfs_tmpfs rumpdev_disk rumpdev rumpvfs rump

# Whether the rump layer can run: the sources, or a kernel built from them.
rump_ready	= $(or $(wildcard $(RUMP_SRC)),$(wildcard $(RUMP_KERNEL)/.done))

.PHONY: test-rump bench-rump rump-kernel
rump-kernel: $(RUMP_KERNEL)/.done
$(RUMP_KERNEL)/.done:
	@echo "rump kernel: building NetBSD 7.99.34 (DIAGNOSTIC, LOCKDEBUG) into $(RUMP_KERNEL)" \
	    "from $(RUMP_SRC); about ten minutes the first time"
	@start=$$(date +%s); \
	tools/rump/build-rump $(RUMP_SRC) $(RUMP_SHA256) $(RUMP_CACHE) >/dev/null; \
	echo "rump kernel: built in $$(($$(date +%s) - start)) s"

# Include links (machine/, x86/) for code compiled against the 7.99 tree.
$(RB)/klinks/.done: $(RUMP_KERNEL)/.done
	mkdir -p $(@D)
	ln -sfn $(RUMP_SYS)/arch/amd64/include $(@D)/machine
	ln -sfn $(RUMP_SYS)/arch/x86/include $(@D)/x86
	touch $@

RUMP_CC799	:= gcc -nostdinc -ffreestanding -imacros $(RUMP_SYS)/rump/include/opt/opt_rumpkernel.h \
		   -I$(RB)/klinks -I$(RUMP_SYS) -I$(RUMP_SYS)/arch -I$(RUMP_SYS)/../common/include

# Per release R (10, 11): the harness standing for that release's
# compat_linux, the glue and the Rust objects of that release's module.
define rump_release
# The Rust objects' constants against 7.99's (tools/rump/abi-check).
$(RB)/$(1)/glue/abi1011.h: $(BUILD)/netbsd-$(1)/lib.a tools/rump/abi-check $(RB)/klinks/.done
	mkdir -p $$(@D)
	tools/rump/abi-check $(BUILD)/netbsd-$(1)/target/$(TARGET)/release/build compat_linux_rs $$@ \
	    -- $(CLANG) --target=x86_64-unknown-netbsd -ffreestanding -nostdinc $(call cflags,$(1)) -Iffi \
	    -- $(RUMP_CC799)

$(RB)/$(1)/glue/.done: $(SOURCES) tools/rump/glue799 $(RB)/$(1)/glue/abi1011.h
	tools/rump/glue799 ffi $$(@D)
	touch $$@

# rump components: the harness, the glue linked in (its modinfo registered
# for rump's boot) and the glue for a module file (in link_set_modules).
$(RB)/$(1)/harness/librumpkern_clrs.a: $(RUMP_HARNESS) $(RB)/$(1)/glue/.done
	$$(call rump_component,harness,$(1),yes)
$(RB)/$(1)/glue-ctor/librumpkern_clrs_glue.a: $(RUMP_HARNESS) $(RB)/$(1)/glue/.done
	$$(call rump_component,glue,$(1),yes)
$(RB)/$(1)/glue-kmod/librumpkern_clrs_glue.a: $(RUMP_HARNESS) $(RB)/$(1)/glue/.done
	$$(call rump_component,glue,$(1),no)

$(RB)/$(1)/rust.o: $(BUILD)/netbsd-$(1)/lib.a tools/rump/rust-object
	tools/rump/rust-object --799 $$< $$@

# The module file for the rump kernel, linked and finished as the .kmod is,
# its code and data in one section (tools/rump/kmodule-rump.ld says why).
$(RB)/$(1)/compat_linux_rs.kmod: $(RB)/$(1)/glue-kmod/librumpkern_clrs_glue.a $(RB)/$(1)/rust.o \
    tools/rump/kmodule-rump.ld tools/kobj-relocs
	ld -r --gc-sections -u rumpns_clrs_syscalls -T tools/rump/kmodule-rump.ld -o $$@.o \
	    $(RB)/$(1)/glue-kmod/*.o $(RB)/$(1)/rust.o
	objcopy --strip-debug --remove-section=.stack_sizes --keep-global-symbol=__nothing__ \
	    $$@.o $$@.tmp
	$(PYTHON) tools/kobj-relocs $$@.tmp
	rm $$@.o && mv $$@.tmp $$@

$(RB)/$(1)/tests/%: atf-tests/rump/%.c atf-tests/rump/h_rump.c atf-tests/rump/h_rump.h \
    tools/rump/harness/clrs_rump.h $(RB)/$(1)/harness/librumpkern_clrs.a \
    $(RB)/$(1)/glue-ctor/librumpkern_clrs_glue.a $(RB)/$(1)/rust.o $(STAMP)/rump-apt
	mkdir -p $$(@D)
	$$(call rump_link,$$@,$$< atf-tests/rump/h_rump.c,$(1),\
	    $$(if $$(filter t_module,$$*),,$(RB)/$(1)/glue-ctor/librumpkern_clrs_glue.a $(RB)/$(1)/rust.o))

$(RB)/$(1)/tests/Kyuafile: atf-tests/rump/Kyuafile
	mkdir -p $$(@D) && cp $$< $$@

RUMP_BUILT += $(RB)/$(1)/compat_linux_rs.kmod $(RB)/$(1)/tests/Kyuafile \
	      $(foreach t,$(RUMP_TESTS),$(RB)/$(1)/tests/$(t))
endef

# rump_component PART RELEASE CTOR: tools/rump/harness/Makefile with
# rumpmake, in its own folder.
rump_component	= rm -rf $(@D) && mkdir -p $(@D) && cd $(@D) && \
		  $(RUMPMAKE) -f $(CURDIR)/tools/rump/harness/Makefile RUMPTOP=$(RUMP_SYS)/rump \
		  CLRS_PART=$(1) CLRS_RELEASE=$(2) CLRS_GLUE=$(RB)/$(2)/glue CLRS_CTOR=$(3) CLRS_ADAPT=799 \
		  MKPIC=no MKPROFILE=no >build.log 2>&1 || { cat build.log; exit 1; }

# rump_link OUT SOURCES RELEASE MODULE: a test program, non-PIE (the
# kernel objects and a loaded module reach each other with 32-bit
# relocations), exporting the rump kernel's symbols for kobj.
rump_link	= gcc -no-pie -rdynamic -O2 -g -Wall -Wextra -Werror -o $(1) $(2) \
		  -I$(RUMP_DEST)/include -Itools/rump/harness -Iatf-tests/rump \
		  -Wl,--whole-archive $(RB)/$(3)/harness/librumpkern_clrs.a $(4) \
		  $(foreach l,$(RUMP_LIBS),$(RUMP_DEST)/lib/lib$(l).a) -Wl,--no-whole-archive \
		  $(RUMP_DEST)/lib/librumpuser.a -latf-c -lpthread -ldl -lrt

$(foreach r,$(RELEASES),$(eval $(call rump_release,$(r))))

# Debian packages the layer needs beyond `make`'s: atf-c for the test
# programs, makefs for the ffs image.
$(STAMP)/rump-apt: tools/rump/rump.mk
	@missing=$$(for p in libatf-dev makefs; do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -q >/dev/null; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; \
	fi
	@mkdir -p $(@D) && touch $@

# An empty FFSv2 file system for the tests to copy.
$(RB)/ffs.img: $(STAMP)/rump-apt
	rm -rf $(RB)/ffs.root && mkdir -p $(RB)/ffs.root
	makefs -t ffs -o version=2 -s 64m $@.tmp $(RB)/ffs.root
	mv $@.tmp $@

# make bench-rump: the NetBSD 11 module's objects (copy_file_range is the
# same code in both), on an image that holds two 256 MiB files.
RUMP_BENCH_R	:= $(firstword $(RELEASES))
$(RB)/bench: tools/rump/bench.c atf-tests/rump/h_rump.c atf-tests/rump/h_rump.h \
    $(RB)/$(RUMP_BENCH_R)/harness/librumpkern_clrs.a \
    $(RB)/$(RUMP_BENCH_R)/glue-ctor/librumpkern_clrs_glue.a $(RB)/$(RUMP_BENCH_R)/rust.o
	$(call rump_link,$@,$< atf-tests/rump/h_rump.c,$(RUMP_BENCH_R),\
	    $(RB)/$(RUMP_BENCH_R)/glue-ctor/librumpkern_clrs_glue.a $(RB)/$(RUMP_BENCH_R)/rust.o)
bench-rump: $(RB)/bench $(STAMP)/rump-apt
	rm -rf $(RB)/ffs.root $(RB)/bench-ffs.img && mkdir -p $(RB)/ffs.root
	makefs -t ffs -o version=2 -s 640m $(RB)/bench-ffs.img $(RB)/ffs.root >/dev/null
	$(RB)/bench $(RB)/bench-ffs.img
	rm -f $(RB)/bench-ffs.img

test-rump: all $(RUMP_BUILT) $(RB)/ffs.img
	$(foreach r,$(RELEASES),@echo "the rump kernel layer, NetBSD $(r) module objects:"$(newline)\
	KYUA_ROOT=$(RB)/$(r)/tests atf-tests/run-kyua $(RB)/kyua-$(r) \
	    ffs_image=$(RB)/ffs.img kmod=$(RB)/$(r)/compat_linux_rs.kmod \
	    shipped_kmod=$(BUILD)/netbsd-$(r)/compat_linux_rs.kmod release=$(r)$(newline))
