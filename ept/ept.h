/* Identity-mapping EPT builder, Intel SDM Vol. 3C section 29.3.
 *
 * Four-level tables reached through struct page_ops, so the same code runs in
 * the hypervisor and on the host over fake memory.  Leaves take their memory
 * type from the MTRRs (29.3.7: with ignore-PAT clear the guest's PAT type then
 * combines with it as the host's would).  The builder never frees: pages come
 * from a boot-time allocator and an EPT lives as long as the hypervisor.
 *
 * "In use": an entry is in use when it is non-zero.  The builder writes no
 * non-zero entry with bits 2:0 clear, so a caller that revokes all access to a
 * leaf but keeps its address keeps the slot: lookups still find it and a later
 * ept_map_identity over it fails with -EEXIST.
 *
 * Nothing here invalidates cached translations: after changing a live EPT
 * (ept_get_pte_4k's split, or writes through the returned PTE) the caller must
 * execute INVEPT (Vol. 3C 29.4.3). */
#ifndef EPT_EPT_H
#define EPT_EPT_H

#include <stdbool.h>
#include <stdint.h>

#include "ept/ept_defs.h"
#include "ept/mtrr.h"
#include "hv/page_ops.h"

struct ept {
	const struct page_ops *ops;
	uint64_t root_pa;     /* the PML4 */
	uint32_t pages_used;  /* table pages allocated, the root included */
	bool allow_2m, allow_1g;  /* from IA32_VMX_EPT_VPID_CAP bits 16 and 17 */
};

struct ept_stats {
	uint32_t leaves_1g, leaves_2m, leaves_4k, tables;  /* tables: root included */
};

/* Allocates the root.  -EINVAL: missing ops or hooks; -ENOMEM: no page;
 * -EFAULT: the allocator returned a misaligned or too-large address. */
int ept_init(struct ept *e, const struct page_ops *ops, bool allow_2m, bool allow_1g);

/* Maps guest-physical [start, start + len) to the same host-physical range.
 * perms: a non-empty combination of EPT_READ, EPT_WRITE, EPT_EXEC that is not a
 * misconfiguration (29.3.3.1: write needs read); execute-only also needs
 * EPT_CAP_EXEC_ONLY, which the caller checks.  Each 1 GiB or 2 MiB block that
 * lies wholly inside the range, is allowed and has one MTRR type becomes one
 * leaf; the rest is mapped with 4 KiB leaves.  mtrr NULL: WB everywhere.
 * -EINVAL: len 0, start or len not 4 KiB aligned, the range reaches 2^48 (or
 * 2^MAXPHYADDR with mtrr), bad perms or MTRR state.  -EEXIST: some page of the
 * range is in use; nothing was written.  -ENOMEM / -EFAULT (allocator): the
 * range is partly mapped, every entry written is valid, mappings outside the
 * range are untouched; callers treat it as fatal. */
int ept_map_identity(struct ept *e, uint64_t start, uint64_t len, uint64_t perms,
		     const struct mtrr_state *mtrr);

/* Removes every translation of guest-physical [start, start + len): whole
 * 1 GiB and 2 MiB leaves and tables inside the range become not present (a
 * table's pages are not reused: the builder never frees), a large leaf the
 * range only partly covers is split first, as ept_get_pte_4k() splits.
 * Parts of the range that are not mapped are skipped.  -EINVAL: len 0,
 * unaligned, or the range reaches 2^48; -ENOMEM/-EFAULT: a split failed
 * (what was removed before stays removed).  INVEPT afterwards on a live EPT. */
int ept_unmap(struct ept *e, uint64_t start, uint64_t len);

/* Points *pte at the 4 KiB leaf for gpa, first splitting a 1 GiB or 2 MiB leaf
 * into a table whose 512 entries keep the permissions, memory type, ignore-PAT,
 * accessed/dirty and suppress-#VE bits (the SPP bit, meaningful only in a
 * 4 KiB leaf, is not propagated).  The new table is filled before one store
 * links it, so a running guest sees either the old or the new translation.
 * -ENOENT: gpa not in use; -EINVAL: gpa at or beyond 2^48; -ENOMEM/-EFAULT:
 * allocation failed (a 1 GiB leaf may then already be split into 2 MiB leaves,
 * which translate identically).  INVEPT afterwards. */
int ept_get_pte_4k(struct ept *e, uint64_t gpa, uint64_t **pte);

/* The leaf entry translating gpa and its level: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB.
 * -ENOENT when not in use, -EINVAL beyond 2^48. */
int ept_lookup(const struct ept *e, uint64_t gpa, uint64_t *entry, int *level);

/* The EPT pointer for the VMCS: WB paging structures (the caller checks
 * EPT_CAP_MT_WB and EPT_CAP_WALK_LEN_4), four-level walk, A/D on request
 * (EPT_CAP_AD). */
uint64_t ept_eptp(const struct ept *e, bool enable_ad);

/* Counts leaves per size and tables by walking the tree. */
void ept_count(const struct ept *e, struct ept_stats *s);

#endif
