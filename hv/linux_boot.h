/* The Linux/x86 boot protocol (Documentation/arch/x86/boot.rst in the
 * kernel tree), as a boot loader uses it for the 32-bit entry: the setup
 * header of a bzImage, where its parts go, and the zero page (struct
 * boot_params).  Pure: host unit tests feed real kernels' headers. */
#ifndef HV_LINUX_BOOT_H
#define HV_LINUX_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "hv/bootinfo.h"
#include "hv/memrange.h"

/* Offsets in the image and in the zero page (the setup header sits at the
 * same offset in both). */
#define LINUX_HDR_SETUP_SECTS    0x1f1
#define LINUX_HDR_SYSSIZE        0x1f4
#define LINUX_HDR_BOOT_FLAG      0x1fe
#define LINUX_HDR_JUMP           0x200
#define LINUX_HDR_MAGIC          0x202
#define LINUX_HDR_VERSION        0x206
#define LINUX_HDR_TYPE_OF_LOADER 0x210
#define LINUX_HDR_LOADFLAGS      0x211
#define LINUX_HDR_CODE32_START   0x214
#define LINUX_HDR_RAMDISK_IMAGE  0x218
#define LINUX_HDR_RAMDISK_SIZE   0x21c
#define LINUX_HDR_CMD_LINE_PTR   0x228
#define LINUX_HDR_INITRD_MAX     0x22c
#define LINUX_HDR_KERNEL_ALIGN   0x230
#define LINUX_HDR_RELOCATABLE    0x234
#define LINUX_HDR_XLOADFLAGS     0x236
#define LINUX_HDR_CMDLINE_SIZE   0x238
#define LINUX_HDR_PREF_ADDRESS   0x258
#define LINUX_HDR_INIT_SIZE      0x260
#define LINUX_BP_ACPI_RSDP       0x070
#define LINUX_BP_EXT_RAMDISK_IMG 0x0c0
#define LINUX_BP_EXT_RAMDISK_SZ  0x0c4
#define LINUX_BP_EXT_CMD_LINE    0x0c8
#define LINUX_BP_E820_ENTRIES    0x1e8
#define LINUX_BP_E820_TABLE      0x2d0
#define LINUX_BP_E820_MAX        128
#define LINUX_BP_SIZE            4096

#define LINUX_HDR_MAGIC_VALUE    0x53726448u /* "HdrS" */
#define LINUX_BOOT_FLAG_VALUE    0xaa55u
#define LINUX_MIN_VERSION        0x206u      /* cmdline_size, 32-bit entry rules */
#define LINUX_LOADED_HIGH        0x01u
#define LINUX_XLF_CAN_BE_LOADED_ABOVE_4G 0x02u
#define LINUX_LOADER_UNDEFINED   0xffu       /* type_of_loader for loaders without an ID */
#define LINUX_E820_RAM           1
#define LINUX_E820_RESERVED      2

/* The boot GDT selectors the 32-bit entry expects (boot.rst "32-bit boot
 * protocol"): __BOOT_CS and __BOOT_DS, flat 4 GiB. */
#define LINUX_BOOT_CS            0x10u
#define LINUX_BOOT_DS            0x18u

struct linux_image {
	uint16_t version;          /* 0x20f = 2.15 */
	uint32_t setup_size;       /* real-mode part: (setup_sects + 1) * 512 */
	uint32_t pm_offset, pm_size; /* protected-mode kernel in the file */
	uint32_t hdr_end;          /* setup header ends here (0x202 + jump length) */
	uint64_t pref_address;     /* where it wants to run */
	uint32_t init_size;        /* memory it needs from its load address */
	uint32_t kernel_alignment;
	uint32_t initrd_addr_max;  /* highest byte an initrd may occupy */
	uint32_t cmdline_size;     /* longest command line, without the NUL */
	uint16_t xloadflags;
	uint8_t relocatable;
};

/* Is this a bzImage at all (boot flag and "HdrS")?  Decides between the
 * Linux and multiboot loaders before any detailed check. */
int linux_is_bzimage(const void *img, uint64_t size);

/* Parses and checks the setup header.  0, or -ENOEXEC (no setup header),
 * -EINVAL (truncated or inconsistent), -ENOTSUP (protocol < 2.06 or not a
 * bzImage loaded high); *why gets a phrase for the refusal line. */
int linux_parse(const void *img, uint64_t size, struct linux_image *out, const char **why);

struct linux_layout {
	uint64_t kernel;           /* load address of the protected-mode kernel */
	uint64_t initrd;           /* 0 when there is no initrd */
};

/* Chooses the kernel's address (the preferred one when that range is free
 * RAM, else the lowest free one aligned to kernel_alignment for a
 * relocatable kernel; a non-relocatable one only at its preferred address)
 * and the initrd's (page aligned, as high as possible below initrd_addr_max
 * and 4 GiB, clear of the kernel).  ram: the guest's RAM; avoid: ranges the
 * loader uses itself.  -ENOSPC when either does not fit. */
int linux_place(const struct linux_image *li, const struct mem_range *ram, size_t nram,
		const struct mem_range *avoid, size_t navoid, uint64_t initrd_size,
		struct linux_layout *out, const char **why);

struct linux_zero_page_input {
	uint64_t kernel, initrd, initrd_size, cmdline, rsdp;
	const struct bootinfo_mmap_entry *mmap; /* guest-physical, sorted */
	uint32_t mmap_count;
};

/* Fills the zero page (LINUX_BP_SIZE bytes, zeroed here first): the
 * image's setup header, then the loader's fields and the e820 map.
 * -E2BIG when the map has more than LINUX_BP_E820_MAX entries. */
int linux_build_zero_page(uint8_t *bp, const void *img, const struct linux_image *li,
			  const struct linux_zero_page_input *in);

#endif
