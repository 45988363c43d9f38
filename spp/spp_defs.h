/* Sub-page write permissions (SPP): architectural constants, usable from C,
 * assembly and host tests.  Intel SDM Vol. 3C, Section 28.3.4 "Sub-Page Write
 * Permissions" (28.2.4 in editions before 2020) defines the SPPT; the exit
 * qualification of exit reason 66 is in Vol. 3C, Section 27.2.1. */
#ifndef SPP_SPP_DEFS_H
#define SPP_SPP_DEFS_H

/* GNU as rejects C integer suffixes, so 64-bit constants take theirs only in C. */
#ifdef __ASSEMBLER__
#define SPP_U64(x) x
#else
#define SPP_U64(x) x##ull
#endif

/* A 128-byte sub-page is selected by GPA[11:7]. */
#define SPP_SUBPAGE_SHIFT       7
#define SPP_SUBPAGE_SIZE        128
#define SPP_SUBPAGES_PER_PAGE   32
#define SPP_ALL_WRITABLE_MASK   0xffffffff

/* SPPT: four levels indexed like EPT, GPA[47:39], [38:30], [29:21], [20:12]. */
#define SPPT_LEVELS             4
#define SPPT_ENTRIES            512
#define SPPT_GPA_BITS           48
#define SPPT_GPA_LIMIT          (SPP_U64(1) << SPPT_GPA_BITS)

/* Non-leaf entry: bit 0 valid, bits 11:1 reserved (set = misconfiguration),
 * bits N-1:12 the next table.  51 is the architectural maximum of N. */
#define SPPT_NL_VALID           SPP_U64(0x1)
#define SPPT_NL_RSVD_LOW        SPP_U64(0xffe)
#define SPPT_ADDR_MASK          SPP_U64(0x000ffffffffff000)

/* Leaf entry: bit 2i set = sub-page i writable; odd bits reserved, must be 0. */
#define SPPT_LEAF_ALL_WRITABLE  SPP_U64(0x5555555555555555)
#define SPPT_LEAF_RSVD          SPP_U64(0xaaaaaaaaaaaaaaaa)

/* EPT leaf bit 61 ("SPP"): honoured only in an entry mapping a 4 KiB page whose
 * EPT write permission is 0 (Vol. 3C, Section 28.3.2, EPT paging-structure
 * entries).  The EPT builder owns the EPT entry layout; this is the bit number. */
#define SPP_EPT_SPP_BIT         61

/* IA32_VMX_PROCBASED_CTLS2 allowed-1 bit: "sub-page write permissions for EPT". */
#define SPP_PROCBASED2_SPP_BIT  23
/* VMCS control field "SPPT pointer" (64-bit, full encoding). */
#define SPP_VMCS_SPPTP          0x2030

/* Exit reason 66, "SPP-related event". */
#define SPP_EXIT_REASON_EVENT   66
/* Qualification: bit 11 set = SPPT miss (a non-leaf entry not valid), clear =
 * SPPT misconfiguration (a reserved bit set); bit 12 = NMI unblocking due to IRET. */
#define SPP_EXIT_QUAL_SPPT_MISS        (1 << 11)
#define SPP_EXIT_QUAL_NMI_UNBLOCKING   (1 << 12)

/* What the hypervisor does with a write to a protected sub-page. */
#define SPP_POLICY_DENY         0
#define SPP_POLICY_LOG          1
#define SPP_POLICY_HALT         2

/* range_of_subpage[] value for a sub-page no range protects. */
#define SPP_NO_RANGE            0xffff

#endif
