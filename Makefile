# Build the hypervisor (build/hv.elf), the test guest (build/guest.elf), the GRUB
# ISO (build/hv.iso), host tools and tests.  `make help` lists the targets.
#
# CROSS_COMPILE=x86_64-elf- selects a cross toolchain as in the Linux build;
# V=1 shows the commands.  Pure sources (table builders, parsers) are listed by
# the fragments in mk/ and compile unchanged for the host unit tests.

CROSS_COMPILE ?=
CC      := $(CROSS_COMPILE)gcc
LD      := $(CROSS_COMPILE)ld
OBJCOPY := $(CROSS_COMPILE)objcopy
HOSTCC  ?= gcc
PYTHON  ?= /usr/bin/python3
BUILD   := build

ifeq ($(V),1)
Q :=
else
Q := @
endif

# -mgeneral-regs-only: the hypervisor never touches x87/SSE/AVX state, so the
# guest's vector registers survive every VM exit without a save/restore.
HV_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding -nostdlib \
	-mno-red-zone -fpie -mgeneral-regs-only -mcmodel=small \
	-fno-stack-protector -fno-builtin -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -include hv/visibility.h -I. -MMD -MP
HV_ASFLAGS := -I. -MMD -MP -D__ASSEMBLER__ -fno-pic -fno-pie
HV_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -no-pie --no-warn-rwx-segments -z noexecstack

HOST_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -I. -D_DEFAULT_SOURCE \
	-fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined -MMD -MP
HOST_LDLIBS := -lcmocka

PURE_SRCS :=
.DEFAULT_GOAL := all
HOST_TOOLS :=
TEST_DEPS :=
include $(sort $(wildcard mk/*.mk))

HV_SRCS := $(sort $(wildcard boot/*.S boot/*.c hv/*.S hv/*.c hv/lib/*.c \
	vmx/*.S vmx/*.c ept/*.c spp/*.c drivers/*.c))
HV_OBJS := $(patsubst %,$(BUILD)/hv/%.o,$(HV_SRCS))

GUEST_SRCS := $(sort $(wildcard guest/*.S guest/*.c))
GUEST_OBJS := $(patsubst %,$(BUILD)/guest/%.o,$(GUEST_SRCS))

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
PURE_HOST_OBJS := $(patsubst %,$(BUILD)/host/%.o,$(PURE_SRCS))

DEFAULT_CONFIG ?= hv/default.conf

.PHONY: all help run test unit unit-extra integration clean deps bench fuzz check-config docs-log
# Fragments in mk/ add prerequisites to these (e.g. the short fuzz run).
unit-extra:
check-config:
all: $(BUILD)/hv.elf $(BUILD)/guest.elf $(BUILD)/hv.iso $(HOST_TOOLS) check-config

help:
	@echo "Targets:"
	@echo "  all (default)  build/hv.elf, build/guest.elf, build/hv.iso, host tools (build/hvconf)"
	@echo "  run            install packages, build, boot GRUB -> hypervisor -> test guest (demo mode) in Bochs"
	@echo "  test           unit tests (host, ASan/UBSan), fuzz-short, then integration tests (Bochs, QEMU)"
	@echo "  unit           host unit tests only (and fuzz-short)"
	@echo "  integration    emulator tests only (pytest)"
	@echo "  fuzz-short     20 s libFuzzer run on the configuration parser (part of unit)"
	@echo "  fuzz           10 min libFuzzer run on the configuration parser"
	@echo "  netboot        build/netboot/: TFTP root for PXE (GRUB and iPXE), docs/hardware.md"
	@echo "  hybrid-iso     build/hv-hybrid.iso: BIOS+UEFI GRUB ISO"
	@echo "  bench          benchmarks in Bochs -> build/bench.json, docs/benchmarks.md"
	@echo "  docs-log       a complete real log of the demo run -> build/example-log.txt (docs/guest.md)"
	@echo "  check-config   check hv/default.conf with build/hvconf (part of all)"
	@echo "  deps           install the Debian packages the build and tests need"
	@echo "  clean          remove build/"
	@echo "  help           this list"
	@echo "Variables: CROSS_COMPILE=x86_64-elf-  V=1  CPU=tigerlake  HVRUN_ARGS=..."
	@echo "           GUEST=linux (make run: Debian's kernel and a busybox initramfs)"

deps:
	$(Q)tools/install-deps

$(BUILD)/hv/%.c.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/hv/%.S.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@

# Two links (mk/relocate.mk): the first, with no relocation table, tells
# tools/hvrelocs where the image holds absolute addresses; the second carries
# that table, and must have the same sites.
$(BUILD)/hv-first-link.elf: $(HV_OBJS) linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(HV_LDFLAGS) -q -T linker.ld -o $@ $(HV_OBJS)

$(BUILD)/hv.elf: $(HV_OBJS) $(BUILD)/hv/relocs.o linker.ld $(BUILD)/hvrelocs
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(HV_LDFLAGS) -q -T linker.ld -o $@.tmp $(HV_OBJS) $(BUILD)/hv/relocs.o
	$(Q)$(BUILD)/hvrelocs $@.tmp | cmp -s - $(BUILD)/hv/relocs.S || \
		{ echo "hv.elf: relocation sites differ between the two links" >&2; exit 1; }
	$(Q)$(OBJCOPY) --remove-section='.rela*' $@.tmp $@ && rm -f $@.tmp

GUEST_CFLAGS := $(filter-out -mcmodel=small -fpie -include hv/visibility.h,$(HV_CFLAGS)) \
	-fno-pic -fno-pie
$(BUILD)/guest/%.c.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guest/%.S.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@

$(BUILD)/guest.elf: $(GUEST_OBJS) guest/linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(HV_LDFLAGS) -T guest/linker.ld -o $@ $(GUEST_OBJS)

$(BUILD)/hv.iso: $(BUILD)/hv.elf $(BUILD)/guest.elf $(DEFAULT_CONFIG) tools/mkiso
	@$(if $(Q),echo "  ISO     $@")
	$(Q)tools/mkiso --out $@ --hv $(BUILD)/hv.elf --guest $(BUILD)/guest.elf \
		--config $(DEFAULT_CONFIG)

# Host side: pure sources under the sanitizers, unit tests, tools.
$(BUILD)/host/%.c.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/unit/%: tests/unit/%.c $(PURE_HOST_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $< $(PURE_HOST_OBJS) -o $@ $(HOST_LDLIBS)

unit: $(UNIT_BINS)
	$(Q)fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; ASAN_OPTIONS=detect_leaks=1 $$t || fail=1; done; \
		exit $$fail
	$(Q)$(MAKE) --no-print-directory unit-extra

integration: all $(TEST_DEPS)
	$(Q)$(PYTHON) -m pytest -q -ra tests/integration

test: deps
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory integration

run: deps all $(if $(filter linux,$(GUEST)),$(LINUX_INITRAMFS))
	$(Q)tools/hvrun $(if $(CPU),--cpu $(CPU)) $(if $(filter linux,$(GUEST)),$(LINUX_RUN_ARGS)) \
		$(HVRUN_ARGS)

# A real log, generated (never committed): the default demo, whole.
docs-log: deps all
	$(Q)tools/hvrun --quiet --log $(BUILD)/example-log.txt $(if $(CPU),--cpu $(CPU)) \
		$(HVRUN_ARGS) && echo "  LOG     $(BUILD)/example-log.txt"

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
