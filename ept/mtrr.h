/* Memory-type range registers: the effective MTRR memory type of a physical
 * range, computed from raw MSR values so host tests can feed any CPU's state.
 * Intel SDM Vol. 3A section 12.11 ("Memory Type Range Registers").
 *
 * Rules implemented (12.11.4.1 "MTRR Precedences"):
 *  - IA32_MTRR_DEF_TYPE.E clear: everything is UC.
 *  - Below 1 MiB, with E and FE set, the fixed-range MTRRs decide alone.
 *  - Otherwise the valid variable MTRRs that match decide: none -> the default
 *    type; all the same type -> that type; any UC -> UC; only WT and WB -> WT.
 *    Every other overlap is undefined by the SDM and is treated as UC, the type
 *    that is never wrong for device memory.
 *  - Reserved type encodings (2, 3, 7..255) anywhere (fixed byte, variable range,
 *    default type) are taken as UC: the CPU would have refused the write with
 *    #GP, so such a value is corrupt and UC is the conservative reading.
 *  - Non-contiguous PhysMask values follow the SDM's match formula
 *    (address & mask == base & mask, 12.11.2.3); addresses they do not match
 *    get the default type.
 * The constants below are usable from assembly. */
#ifndef EPT_MTRR_H
#define EPT_MTRR_H

/* MSR numbers, Vol. 3A 12.11.1 / 12.11.2 and Vol. 4 table 2-2. */
#define MTRR_MSR_CAP             0xfe
#define MTRR_MSR_DEF_TYPE        0x2ff
#define MTRR_MSR_PHYSBASE0       0x200  /* PHYSBASEn = 0x200 + 2n, PHYSMASKn = +1 */
#define MTRR_MSR_FIX64K_00000    0x250
#define MTRR_MSR_FIX16K_80000    0x258
#define MTRR_MSR_FIX16K_A0000    0x259
#define MTRR_MSR_FIX4K_C0000     0x268  /* .. 0x26f = FIX4K_F8000 */

/* IA32_MTRRCAP, 12.11.1. */
#define MTRR_CAP_VCNT_MASK       0xff
#define MTRR_CAP_FIX             (1 << 8)
#define MTRR_CAP_WC              (1 << 10)
#define MTRR_CAP_SMRR            (1 << 11)

/* IA32_MTRR_DEF_TYPE, 12.11.2.1. */
#define MTRR_DEF_TYPE_MASK       0xff
#define MTRR_DEF_FE              (1 << 10)
#define MTRR_DEF_E               (1 << 11)

/* IA32_MTRR_PHYSBASEn / PHYSMASKn, 12.11.2.3. */
#define MTRR_VAR_TYPE_MASK       0xff
#define MTRR_VAR_VALID           (1 << 11)

/* Memory-type encodings, 12.11.2 table 12-8 (same values as EPT's). */
#define MTRR_TYPE_UC             0
#define MTRR_TYPE_WC             1
#define MTRR_TYPE_WT             4
#define MTRR_TYPE_WP             5
#define MTRR_TYPE_WB             6

#define MTRR_NR_FIXED            11
#define MTRR_MAX_VAR             16
#define MTRR_FIXED_END           0x100000

#ifndef __ASSEMBLER__
#include <stdint.h>

struct mtrr_var {
	uint64_t base;  /* raw IA32_MTRR_PHYSBASEn */
	uint64_t mask;  /* raw IA32_MTRR_PHYSMASKn */
};

/* Raw MSR values.  The caller sets nvar to min(IA32_MTRRCAP.VCNT, 16) and
 * phys_addr_bits to MAXPHYADDR (CPUID 0x80000008 EAX[7:0], 36 without that
 * leaf); cap is kept for the caller and not consulted here: FE can only have
 * been set when IA32_MTRRCAP.FIX is 1, so FE alone gates the fixed ranges. */
struct mtrr_state {
	uint64_t cap;       /* raw IA32_MTRRCAP */
	uint64_t def_type;  /* raw IA32_MTRR_DEF_TYPE */
	/* fix64K_00000, fix16K_80000, fix16K_A0000, fix4K_C0000 .. fix4K_F8000;
	 * byte i of each register types the i-th sub-range, lowest first. */
	uint64_t fixed[MTRR_NR_FIXED];
	struct mtrr_var var[MTRR_MAX_VAR];
	unsigned nvar;
	unsigned phys_addr_bits;
};

/* The effective MTRR type of the byte at physical address pa.
 * -EINVAL: bad state (nvar > 16, phys_addr_bits outside 32..52) or pa at or
 * beyond 2^phys_addr_bits. */
int mtrr_type_of(const struct mtrr_state *s, uint64_t pa, uint8_t *type);

/* The one effective type of every byte in [start, start + len).  Cost grows
 * with the number of variable-range boundaries inside the range, not its size.
 * -ERANGE: the range mixes types (also returned, conservatively, for
 * pathological non-contiguous masks too costly to resolve; a range within one
 * 4 KiB page is always resolved exactly).  -EINVAL: len 0, overflow, a range
 * reaching 2^phys_addr_bits, or a bad state as for mtrr_type_of. */
int mtrr_range_type(const struct mtrr_state *s, uint64_t start, uint64_t len,
		    uint8_t *type);

#endif /* __ASSEMBLER__ */
#endif
