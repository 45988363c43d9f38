/* Multiboot 1 constants (Multiboot Specification 0.6.96, sections 3.1 and 3.3),
 * kept in the guest so it stays independent of the hypervisor's headers. */
#ifndef GUEST_MB1_H
#define GUEST_MB1_H

#define MB1_HEADER_MAGIC     0x1BADB002
#define MB1_BOOTLOADER_MAGIC 0x2BADB002

/* Header flags: 4 KiB-aligned modules, memory info, address fields valid. */
#define MB1_HF_PAGE_ALIGN (1 << 0)
#define MB1_HF_MEMINFO    (1 << 1)
#define MB1_HF_ADDRESS    (1 << 16)

/* Info flags (which fields of struct mb1_info are valid). */
#define MB1_INFO_MEM     (1 << 0)
#define MB1_INFO_CMDLINE (1 << 2)
#define MB1_INFO_MODS    (1 << 3)
#define MB1_INFO_MMAP    (1 << 6)
#define MB1_INFO_LOADER  (1 << 9)

#define MB1_MEM_AVAILABLE 1

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stddef.h>

struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
} __attribute__((packed));

_Static_assert(offsetof(struct mb1_info, cmdline) == 16, "mb1 cmdline offset");
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "mb1 mmap offset");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64, "mb1 name offset");

/* 'size' counts the bytes after itself, so entries step by size + 4. */
struct mb1_mmap_entry {
	uint32_t size;
	uint64_t base;
	uint64_t length;
	uint32_t type;
} __attribute__((packed));

_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "mb1 mmap entry size");
#endif

#endif
