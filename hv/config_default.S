/* The default configuration (hv/default.conf), embedded in hv.elf so the
 * hypervisor has a configuration when no boot module supplies one.  The text
 * is not NUL-terminated: its length is config_default_end - config_default_start.
 * mk/config.mk makes this object depend on hv/default.conf. */
	.section .rodata.config_default, "a"
	.globl config_default_start
	.globl config_default_end
	.type config_default_start, @object
config_default_start:
	.incbin "hv/default.conf"
config_default_end:
	.size config_default_start, config_default_end - config_default_start
	.section .note.GNU-stack, "", @progbits
