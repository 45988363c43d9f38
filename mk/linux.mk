# Linux guests: the boot-protocol fuzz target (its short run is part of
# `make unit`), and the initramfs the Linux tests boot (built from Debian's
# busybox-static, never committed).
LINUX_FUZZ_BIN := $(BUILD)/fuzz/fuzz_linux
$(LINUX_FUZZ_BIN): tests/fuzz/fuzz_linux.c hv/linux_boot.c hv/linux_boot.h hv/memrange.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_linux.c hv/linux_boot.c hv/memrange.c -o $@

LINUX_FUZZ_RUN = $(Q)mkdir -p $(BUILD)/fuzz/linux-corpus $(BUILD)/fuzz/artifacts; \
	$(LINUX_FUZZ_BIN) -artifact_prefix=$(BUILD)/fuzz/artifacts/ -max_len=8192 \
	-print_final_stats=1 -close_fd_mask=1

.PHONY: fuzz-linux fuzz-linux-short
fuzz-linux: $(LINUX_FUZZ_BIN)
	$(LINUX_FUZZ_RUN) -max_total_time=600 $(BUILD)/fuzz/linux-corpus tests/fuzz/linux-corpus

fuzz-linux-short: $(LINUX_FUZZ_BIN)
	@$(if $(Q),echo "  FUZZ    $(LINUX_FUZZ_BIN) (10 s)")
	$(LINUX_FUZZ_RUN) -max_total_time=10 -runs=1000000 -seed=1 \
		$(BUILD)/fuzz/linux-corpus tests/fuzz/linux-corpus \
		>$(BUILD)/fuzz/linux-short.log 2>&1 \
		&& grep -h '^Done' $(BUILD)/fuzz/linux-short.log \
		|| { cat $(BUILD)/fuzz/linux-short.log; exit 1; }

unit-extra: fuzz-linux-short

# The initramfs: busybox-static and tests/linux/init, as a newc cpio.
LINUX_KERNEL ?= $(lastword $(sort $(wildcard /boot/vmlinuz-*)))
LINUX_INITRAMFS := $(BUILD)/linux/initramfs.cpio.gz
$(LINUX_INITRAMFS): tests/linux/init
	@test -x /bin/busybox || { echo "no /bin/busybox: install busybox-static (tools/install-deps)" >&2; exit 1; }
	@mkdir -p $(BUILD)/linux
	@$(if $(Q),echo "  CPIO    $@")
	$(Q)rm -rf $(BUILD)/linux/root && mkdir -p $(BUILD)/linux/root/bin && \
		cp /bin/busybox $(BUILD)/linux/root/bin/busybox && \
		cp tests/linux/init $(BUILD)/linux/root/init && \
		(cd $(BUILD)/linux/root && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
		| gzip -9n >$@.tmp && mv $@.tmp $@
TEST_DEPS += $(LINUX_INITRAMFS)

# The same kernel and initramfs booted natively in QEMU TCG (no hypervisor,
# about 7 s each): where the kernel runs and where its sysctl variables are,
# for the SPP tests to protect and to compare with the run under the
# hypervisor; and the same with two CPUs, which the kernel must bring up
# natively (the --smp 2 test's reference: under the hypervisor it sees one).
# The kernel arguments are the tests' (tests/integration/test_linux.py ARGS).
# The one-CPU boot also writes the kernel's data symbols (/proc/kallsyms,
# types b/d) to a second serial port, build/linux/kallsyms.txt: the deny test
# picks its sub-page from them (spphv.kallsyms, read by tests/linux/init;
# nokaslr keeps every address the same without it).
LINUX_TEST_ARGS := console=ttyS0 nokaslr panic=-1
LINUX_NATIVE := $(BUILD)/linux/native.log
LINUX_NATIVE_SMP2 := $(BUILD)/linux/native-smp2.log
LINUX_KALLSYMS := $(BUILD)/linux/kallsyms.txt
# $(call linux_native,QEMU options,extra kernel arguments): the recipe for
# one native log.
define linux_native
	@test -n "$(LINUX_KERNEL)" || { echo "no /boot/vmlinuz-*: install linux-image-amd64 (tools/install-deps)" >&2; exit 1; }
	@$(if $(Q),echo "  QEMU    $@ (native Linux boot $(strip $(1)))")
	$(Q)rm -f $@.tmp; timeout 180 qemu-system-x86_64 -m 256 $(1) -display none -no-reboot \
		-monitor none -serial file:$@.tmp $(3) -kernel $(LINUX_KERNEL) \
		-initrd $(LINUX_INITRAMFS) -append "$(LINUX_TEST_ARGS) $(2)" \
		</dev/null >/dev/null 2>&1; \
	grep -q "spphv-linux: poweroff" $@.tmp || { echo "native Linux boot failed:" >&2; \
		tail -20 $@.tmp >&2; exit 1; }; mv $@.tmp $@
endef
$(LINUX_NATIVE): $(LINUX_INITRAMFS) $(LINUX_KERNEL) mk/linux.mk
	$(call linux_native,-smp 1,spphv.kallsyms,-serial file:$(LINUX_KALLSYMS).tmp)
	$(Q)grep -q "kallsyms-dumped" $@ && mv $(LINUX_KALLSYMS).tmp $(LINUX_KALLSYMS) || \
		{ echo "native Linux boot: no kallsyms dump" >&2; rm -f $@; exit 1; }
$(LINUX_NATIVE_SMP2): $(LINUX_INITRAMFS) $(LINUX_KERNEL) mk/linux.mk
	$(call linux_native,-smp 2)
TEST_DEPS += $(LINUX_NATIVE) $(LINUX_NATIVE_SMP2)

# `make run GUEST=linux`: the installed kernel, the initramfs, only the
# console on the kernel's command line, no protect ranges.
LINUX_RUN_ARGS = --guest $(LINUX_KERNEL) --initrd $(LINUX_INITRAMFS) \
	--guest-args "console=ttyS0" --config tests/linux/plain.conf --timeout 900
