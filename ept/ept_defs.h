/* Extended-page-table constants: entry bits, the EPT pointer and the memory-type
 * encodings.  Intel SDM Vol. 3C section 29.3 ("The Extended Page Table
 * Mechanism"), 25.6.11 (EPTP) and Vol. 3D appendix A.10 (IA32_VMX_EPT_VPID_CAP).
 * Usable from C and assembly. */
#ifndef EPT_EPT_DEFS_H
#define EPT_EPT_DEFS_H

#ifdef __ASSEMBLER__
#define EPT_C(x) x
#else
#define EPT_C(x) x##ull
#endif
#define EPT_BIT(n) (EPT_C(1) << (n))

/* Paging-structure entries, Vol. 3C 29.3.2 tables 29-1 .. 29-6.  An entry with
 * bits 2:0 clear is not present (the hardware ignores all its other bits). */
#define EPT_READ        EPT_BIT(0)
#define EPT_WRITE       EPT_BIT(1)
#define EPT_EXEC        EPT_BIT(2)
#define EPT_RWX         (EPT_READ | EPT_WRITE | EPT_EXEC)
/* Leaf only: the memory type (29.3.7), ignore-PAT, and the page-size bit that
 * turns a PDPTE (1 GiB) or PDE (2 MiB) into a leaf. */
#define EPT_MT_SHIFT    3
#define EPT_MT_MASK     (EPT_C(7) << EPT_MT_SHIFT)
#define EPT_IGNORE_PAT  EPT_BIT(6)
#define EPT_LARGE       EPT_BIT(7)
/* Set by the processor when EPTP bit 6 enables accessed/dirty flags (29.3.5). */
#define EPT_ACCESSED    EPT_BIT(8)
#define EPT_DIRTY       EPT_BIT(9)
/* Execute for user-mode linear addresses, only with mode-based execute control. */
#define EPT_USER_EXEC   EPT_BIT(10)
/* Sub-page write permissions apply only through a 4 KiB leaf (29.3.4). */
#define EPT_SPP         EPT_BIT(61)
#define EPT_SUPPRESS_VE EPT_BIT(63)
/* Physical-address bits 51:12; bits above MAXPHYADDR must also be zero. */
#define EPT_ADDR_MASK   EPT_C(0x000ffffffffff000)

/* A four-level walk: PML4 (level 4) .. PT (level 1), 9 index bits per level. */
#define EPT_LEVELS      4
#define EPT_ENTRIES     512
#define EPT_SIZE_4K     EPT_C(0x1000)
#define EPT_SIZE_2M     EPT_C(0x200000)
#define EPT_SIZE_1G     EPT_C(0x40000000)
/* Guest-physical addresses a four-level EPT can translate (bits 47:0). */
#define EPT_GPA_LIMIT   EPT_BIT(48)

/* Memory types, Vol. 3C 29.3.7; 2, 3 and 7 are reserved (EPT misconfiguration). */
#define EPT_MT_UC 0
#define EPT_MT_WC 1
#define EPT_MT_WT 4
#define EPT_MT_WP 5
#define EPT_MT_WB 6

/* EPT pointer, Vol. 3C 25.6.11: paging-structure memory type in 2:0, page-walk
 * length minus one in 5:3, accessed/dirty enable in bit 6. */
#define EPTP_MT_WB          EPT_C(6)
#define EPTP_MT_UC          EPT_C(0)
#define EPTP_WALK_LEN_4     (EPT_C(3) << 3)
#define EPTP_AD_ENABLE      EPT_BIT(6)

/* IA32_VMX_EPT_VPID_CAP (MSR 0x48C), Vol. 3D A.10: what the builder's callers
 * must check before asking for a feature. */
#define EPT_CAP_EXEC_ONLY   EPT_BIT(0)
#define EPT_CAP_WALK_LEN_4  EPT_BIT(6)
#define EPT_CAP_MT_UC       EPT_BIT(8)
#define EPT_CAP_MT_WB       EPT_BIT(14)
#define EPT_CAP_2M          EPT_BIT(16)
#define EPT_CAP_1G          EPT_BIT(17)
#define EPT_CAP_INVEPT      EPT_BIT(20)
#define EPT_CAP_AD          EPT_BIT(21)

#endif
