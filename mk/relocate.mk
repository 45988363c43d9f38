# The image's relocation table (tools/hvrelocs, hv/relocate.c), generated
# from the first link of hv.elf; the Makefile has both links (they need
# HV_OBJS, defined after the fragments load).
HOST_TOOLS += $(BUILD)/hvrelocs

$(BUILD)/hvrelocs: tools/hvrelocs.c hv/reloc.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $< -o $@

$(BUILD)/hv/relocs.S: $(BUILD)/hv-first-link.elf $(BUILD)/hvrelocs
	@$(if $(Q),echo "  RELOCS  $@")
	$(Q)$(BUILD)/hvrelocs $< > $@.tmp && mv $@.tmp $@

$(BUILD)/hv/relocs.o: $(BUILD)/hv/relocs.S
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@
