/* Test guest: boot state, exit path, command-line arguments and modes. */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/mb1.h"

/* Exit statuses (QEMU's isa-debug-exit turns N into (N << 1) | 1).  The
 * checks mode exits with its failure count, capped below the two below. */
#define GUEST_EXIT_OK        0
#define GUEST_EXIT_FAIL      1
#define GUEST_EXIT_MAX_FAILS 0x7d
#define GUEST_EXIT_USAGE     0x7e /* unknown mode or malformed argument */
#define GUEST_EXIT_EXCEPTION 0x7f /* exception no probe expected */

#define GUEST_MODE_NAME_MAX 32
/* Where hv.elf is loaded before it moves itself to the top of RAM: guest
 * RAM again under spphv (the `checks` mode's hv-load-area). */
#define GUEST_HV_LOAD_ADDR  0x6000000
/* The SPP test area: 64 KiB at 8 MiB. */
#define GUEST_SPP_AREA      0x800000
#define GUEST_SPP_AREA_SIZE 0x10000

struct guest_boot {
	uint32_t magic;
	const struct mb1_info *info; /* NULL when the magic was wrong */
	const char *cmdline;         /* "" when the loader passed none */
	bool has_cmdline;
	bool hv;                     /* running under SubPageVisor */
	char mode[GUEST_MODE_NAME_MAX];
};

/* Called by boot.S in long mode with the loader's EAX and EBX. */
__attribute__((noreturn)) void guest_main(uint32_t magic, uint32_t info_pa);
/* Under the hypervisor: the exit hypercall.  Natively: QEMU's isa-debug-exit
 * port, then Bochs's shutdown port, then halt. */
__attribute__((noreturn)) void guest_exit(uint32_t status);
bool guest_detect_hv(void);

enum boot_arg_result { BOOT_ARG_BAD = -1, BOOT_ARG_ABSENT = 0, BOOT_ARG_OK = 1 };

/* Finds the first whitespace-separated "key=value" token of the command line
 * and copies the value (NUL-terminated) into out; BOOT_ARG_BAD if it does not
 * fit. */
enum boot_arg_result boot_arg_str(const struct guest_boot *b, const char *key,
				  char *out, size_t out_size);
/* As boot_arg_str, parsing decimal or 0x-prefixed hex with an optional '-'
 * (negated modulo 2^64); BOOT_ARG_BAD when malformed.  *out is written only
 * on BOOT_ARG_OK. */
enum boot_arg_result boot_arg_u64(const struct guest_boot *b, const char *key,
				  uint64_t *out);
/* True if [base, base + len) lies inside one available mmap region. */
bool boot_mmap_usable(const struct guest_boot *b, uint64_t base, uint64_t len);
/* The end of the available memory-map entry that holds 1 MiB (0 without a
 * map): the first byte above the guest's RAM, where spphv's memory (pool,
 * then image) starts; the target of the attacks on hypervisor memory.  Set by
 * boot_parse(). */
extern uint64_t boot_ram_end;
void boot_parse(struct guest_boot *b, uint32_t magic, uint32_t info_pa);

struct guest_mode {
	const char *name;
	/* Returns the exit status; may never return. */
	uint32_t (*run)(const struct guest_boot *b);
};

const struct guest_mode *guest_mode_find(const char *name);
uint32_t guest_mode_checks(const struct guest_boot *b);

#endif
