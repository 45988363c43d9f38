/* Multiboot 1 (spec 0.6.96) and Multiboot 2 (spec 2.0) constants and layouts.
 * The numbers are usable from boot assembly; the structs (C only) describe the
 * wire format and are used through offsetof() with byte-wise loads, because
 * loader data has no alignment guarantee that the compiler could rely on. */
#ifndef HV_MULTIBOOT_H
#define HV_MULTIBOOT_H

/* ---- Multiboot 1: OS image header (spec 3.1.1) ---- */
#define MB1_HEADER_MAGIC		0x1BADB002
#define MB1_HEADER_SEARCH		8192	/* header lies within these bytes */
#define MB1_HEADER_ALIGN		4
/* Bits 0-15 are requirements a loader must refuse if it cannot meet them;
 * bits 16-31 are optional features. */
#define MB1_HEADER_FLAG_PAGE_ALIGN	(1 << 0)	/* modules 4 KiB aligned */
#define MB1_HEADER_FLAG_MEMORY_INFO	(1 << 1)	/* mem_* and mmap_* */
#define MB1_HEADER_FLAG_VIDEO_MODE	(1 << 2)	/* mode_type..depth */
#define MB1_HEADER_FLAG_ADDRESS		(1 << 16)	/* a.out kludge fields */
#define MB1_HEADER_REQUIRED_MASK	0x0000FFFF
#define MB1_HEADER_CHECKSUM(flags)	(-(MB1_HEADER_MAGIC + (flags)))

/* ---- Multiboot 1: machine state and boot information (spec 3.2, 3.3) ---- */
#define MB1_BOOTLOADER_MAGIC		0x2BADB002
#define MB1_INFO_MEMORY			(1 << 0)
#define MB1_INFO_BOOTDEV		(1 << 1)
#define MB1_INFO_CMDLINE		(1 << 2)
#define MB1_INFO_MODS			(1 << 3)
#define MB1_INFO_AOUT_SYMS		(1 << 4)
#define MB1_INFO_ELF_SHDR		(1 << 5)
#define MB1_INFO_MEM_MAP		(1 << 6)
#define MB1_INFO_DRIVE_INFO		(1 << 7)
#define MB1_INFO_CONFIG_TABLE		(1 << 8)
#define MB1_INFO_BOOT_LOADER_NAME	(1 << 9)
#define MB1_INFO_APM_TABLE		(1 << 10)
#define MB1_INFO_VBE_INFO		(1 << 11)
#define MB1_INFO_FRAMEBUFFER_INFO	(1 << 12)
#define MB1_INFO_SIZE			116
#define MB1_MODULE_SIZE			16
/* An mmap entry's size field counts the bytes after itself. */
#define MB1_MMAP_ENTRY_SIZE		20

/* ---- Multiboot 2: OS image header (spec 3.1) ---- */
#define MB2_HEADER_MAGIC		0xE85250D6
#define MB2_HEADER_SEARCH		32768
#define MB2_HEADER_ALIGN		8
#define MB2_ARCH_I386			0
#define MB2_ARCH_MIPS32			4
/* Written as 2^32 - sum so the value stays positive in 64-bit gas arithmetic
 * and fits .long. */
#define MB2_HEADER_CHECKSUM(arch, len)	\
	(0x100000000 - (MB2_HEADER_MAGIC + (arch) + (len)))
#define MB2_HEADER_TAG_ALIGN		8
#define MB2_HEADER_TAG_OPTIONAL		1	/* tag flags bit 0 */

#define MB2_HEADER_TAG_END			0
#define MB2_HEADER_TAG_INFORMATION_REQUEST	1
#define MB2_HEADER_TAG_ADDRESS			2
#define MB2_HEADER_TAG_ENTRY_ADDRESS		3
#define MB2_HEADER_TAG_CONSOLE_FLAGS		4
#define MB2_HEADER_TAG_FRAMEBUFFER		5
#define MB2_HEADER_TAG_MODULE_ALIGN		6
#define MB2_HEADER_TAG_EFI_BS			7
#define MB2_HEADER_TAG_ENTRY_ADDRESS_EFI32	8
#define MB2_HEADER_TAG_ENTRY_ADDRESS_EFI64	9
#define MB2_HEADER_TAG_RELOCATABLE		10

/* ---- Multiboot 2: boot information (spec 3.6) ---- */
#define MB2_BOOTLOADER_MAGIC		0x36d76289
#define MB2_INFO_ALIGN			8
#define MB2_TAG_ALIGN			8

#define MB2_TAG_TYPE_END		0
#define MB2_TAG_TYPE_CMDLINE		1
#define MB2_TAG_TYPE_BOOT_LOADER_NAME	2
#define MB2_TAG_TYPE_MODULE		3
#define MB2_TAG_TYPE_BASIC_MEMINFO	4
#define MB2_TAG_TYPE_BOOTDEV		5
#define MB2_TAG_TYPE_MMAP		6
#define MB2_TAG_TYPE_VBE		7
#define MB2_TAG_TYPE_FRAMEBUFFER	8
#define MB2_TAG_TYPE_ELF_SECTIONS	9
#define MB2_TAG_TYPE_APM		10
#define MB2_TAG_TYPE_EFI32		11
#define MB2_TAG_TYPE_EFI64		12
#define MB2_TAG_TYPE_SMBIOS		13
#define MB2_TAG_TYPE_ACPI_OLD		14
#define MB2_TAG_TYPE_ACPI_NEW		15
#define MB2_TAG_TYPE_NETWORK		16
#define MB2_TAG_TYPE_EFI_MMAP		17
#define MB2_TAG_TYPE_EFI_BS		18
#define MB2_TAG_TYPE_EFI32_IH		19
#define MB2_TAG_TYPE_EFI64_IH		20
#define MB2_TAG_TYPE_LOAD_BASE_ADDR	21

#define MB2_MMAP_ENTRY_SIZE		24
#define ACPI_RSDP_V1_SIZE		20
#define ACPI_RSDP_V2_SIZE		36

/* Memory map types shared by both protocols and E820 (ACPI spec, chapter
 * "System Address Map Interfaces"). */
#define MB_MEMORY_AVAILABLE		1
#define MB_MEMORY_RESERVED		2
#define MB_MEMORY_ACPI_RECLAIMABLE	3
#define MB_MEMORY_NVS			4
#define MB_MEMORY_BADRAM		5

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct mb1_header {
	uint32_t magic, flags, checksum;
	/* valid with MB1_HEADER_FLAG_ADDRESS */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
	/* valid with MB1_HEADER_FLAG_VIDEO_MODE */
	uint32_t mode_type, width, height, depth;
} __attribute__((packed));

struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info, vbe_mode_info;
	uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch, framebuffer_width, framebuffer_height;
	uint8_t framebuffer_bpp, framebuffer_type;
	uint8_t color_info[6];
} __attribute__((packed));

struct mb1_module {
	uint32_t mod_start, mod_end;	/* end exclusive, as GRUB and QEMU set it */
	uint32_t string;
	uint32_t reserved;
} __attribute__((packed));

struct mb1_mmap_entry {
	uint32_t size;
	uint64_t base_addr, length;
	uint32_t type;
} __attribute__((packed));

struct mb2_header {
	uint32_t magic, architecture, header_length, checksum;
} __attribute__((packed));

struct mb2_header_tag {
	uint16_t type, flags;
	uint32_t size;
} __attribute__((packed));

struct mb2_header_tag_address {
	uint16_t type, flags;
	uint32_t size;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
} __attribute__((packed));

struct mb2_header_tag_entry {
	uint16_t type, flags;
	uint32_t size;
	uint32_t entry_addr;
} __attribute__((packed));

struct mb2_info_header {
	uint32_t total_size, reserved;
} __attribute__((packed));

struct mb2_tag {
	uint32_t type, size;
} __attribute__((packed));

struct mb2_tag_string {
	uint32_t type, size;
	char string[];
} __attribute__((packed));

struct mb2_tag_module {
	uint32_t type, size;
	uint32_t mod_start, mod_end;
	char string[];
} __attribute__((packed));

struct mb2_tag_basic_meminfo {
	uint32_t type, size;
	uint32_t mem_lower, mem_upper;
} __attribute__((packed));

struct mb2_tag_mmap {
	uint32_t type, size;
	uint32_t entry_size, entry_version;
} __attribute__((packed));

struct mb2_mmap_entry {
	uint64_t addr, len;
	uint32_t type, zero;
} __attribute__((packed));

_Static_assert(sizeof(struct mb1_header) == 48, "mb1 header layout");
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "mb1 info");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64, "mb1 info");
_Static_assert(offsetof(struct mb1_info, framebuffer_addr) == 88, "mb1 info");
_Static_assert(sizeof(struct mb1_info) == MB1_INFO_SIZE, "mb1 info size");
_Static_assert(sizeof(struct mb1_module) == MB1_MODULE_SIZE, "mb1 module");
_Static_assert(sizeof(struct mb1_mmap_entry) == MB1_MMAP_ENTRY_SIZE + 4,
	       "mb1 mmap entry");
_Static_assert(sizeof(struct mb2_header_tag_address) == 24, "mb2 address tag");
_Static_assert(sizeof(struct mb2_header_tag_entry) == 12, "mb2 entry tag");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mb2 module tag");
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2 mmap tag");
_Static_assert(sizeof(struct mb2_mmap_entry) == MB2_MMAP_ENTRY_SIZE,
	       "mb2 mmap entry");

#endif /* __ASSEMBLER__ */
#endif
