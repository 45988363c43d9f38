# Network boot tree (build/netboot/, served over TFTP: GRUB's BIOS network
# image and an iPXE script, see tools/mknetboot) and the hybrid BIOS+UEFI ISO
# (build/hv-hybrid.iso).  Both carry the default configuration as a module.

# The Makefile sets the same default after including the fragments; rule
# prerequisites expand as they are read, so it is needed here already.
DEFAULT_CONFIG ?= hv/default.conf
NETBOOT_DIR := $(BUILD)/netboot
HYBRID_ISO := $(BUILD)/hv-hybrid.iso

.PHONY: netboot hybrid-iso
netboot: $(NETBOOT_DIR)/hv.ipxe
hybrid-iso: $(HYBRID_ISO)

# hv.ipxe is written last by tools/mknetboot: it stands for the whole tree.
$(NETBOOT_DIR)/hv.ipxe: $(BUILD)/hv.elf $(BUILD)/guest.elf $(DEFAULT_CONFIG) tools/mknetboot
	@$(if $(Q),echo "  NETBOOT $(NETBOOT_DIR)")
	$(Q)tools/mknetboot --out $(NETBOOT_DIR) --hv $(BUILD)/hv.elf \
		--guest $(BUILD)/guest.elf --config $(DEFAULT_CONFIG)

$(HYBRID_ISO): $(BUILD)/hv.elf $(BUILD)/guest.elf $(DEFAULT_CONFIG) tools/mkiso
	@$(if $(Q),echo "  ISO     $@")
	$(Q)tools/mkiso --efi --out $@ --hv $(BUILD)/hv.elf --guest $(BUILD)/guest.elf \
		--config $(DEFAULT_CONFIG)

TEST_DEPS += netboot $(HYBRID_ISO)
