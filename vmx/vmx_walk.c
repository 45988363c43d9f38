#include "vmx/vmx_walk.h"
#include "hv/errno.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_US   (1ull << 2)
#define PTE_PS   (1ull << 7)
#define PTE_XD   (1ull << 63)
#define PF_P     (1u << 0)
#define PF_W     (1u << 1)
#define PF_U     (1u << 2)
#define PF_RSVD  (1u << 3)
#define CR0_WP   (1ull << 16)
#define CR0_PG   (1ull << 31)
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define CR4_SMAP (1ull << 21)
#define EFER_NXE (1ull << 11)
#define EFER_LMA (1ull << 10)

/* Bits [hi:lo] set. */
static uint64_t bits(unsigned hi, unsigned lo)
{
	return hi < lo ? 0 : ((hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1));
}

struct walk {
	const struct vmx_paging *p;
	const struct vmx_guest_access *acc;
	uint32_t err;           /* W and U of the access */
	bool writable, user;    /* R/W and U/S at every level so far */
};

/* A present entry with a reserved bit set (SDM Vol. 3A 4.7: P and RSVD). */
static int walk_rsvd(const struct walk *w, uint32_t *pf_error)
{
	*pf_error = w->err | PF_P | PF_RSVD;
	return -EACCES;
}

/* Reads one entry: 0 present and without reserved bits (rights folded in);
 * -EACCES with the error code set; -EFAULT. */
static int walk_entry(struct walk *w, uint64_t pa, unsigned size, uint64_t rsvd,
		      uint64_t *e, uint32_t *pf_error)
{
	if (w->p->read(w->p->ctx, pa, size, e))
		return -EFAULT;
	if (!(*e & PTE_P)) {
		*pf_error = w->err;
		return -EACCES;
	}
	if (*e & rsvd)
		return walk_rsvd(w, pf_error);
	w->writable &= !!(*e & PTE_W);
	w->user &= !!(*e & PTE_US);
	return 0;
}

/* Access rights (SDM Vol. 3A 4.6.1): user accesses need U/S = 1 at every
 * level and, to write, R/W = 1; supervisor writes need R/W = 1 only with
 * CR0.WP; supervisor data accesses to user pages fault with CR4.SMAP unless
 * explicit with RFLAGS.AC = 1. */
static int walk_rights(const struct walk *w, uint32_t *pf_error)
{
	const struct vmx_guest_access *a = w->acc;

	if ((a->user && !w->user) ||
	    (a->write && !w->writable && (a->user || (w->p->cr0 & CR0_WP))) ||
	    (!a->user && w->user && (w->p->cr4 & CR4_SMAP) && !a->smap_ok)) {
		*pf_error = w->err | PF_P;
		return -EACCES;
	}
	return 0;
}

/* 32-bit paging (4.3): 4-KByte pages, or 4-MByte ones with CR4.PSE whose
 * PDE bits (M-20):13 are physical bits (M-1):32, M at most 40. */
static int walk_32(struct walk *w, uint64_t gla, uint64_t *gpa, uint32_t *pf_error)
{
	unsigned m = w->p->maxphyaddr < 32 ? 32 : w->p->maxphyaddr > 40 ? 40 : w->p->maxphyaddr;
	uint64_t e;
	int rc = walk_entry(w, (w->p->cr3 & 0xfffff000ull) + ((gla >> 22) & 0x3ff) * 4, 4, 0,
			    &e, pf_error);

	if (rc)
		return rc;
	if ((e & PTE_PS) && (w->p->cr4 & CR4_PSE)) {
		if (e & bits(21, m - 19))
			return walk_rsvd(w, pf_error);
		*gpa = (e & 0xffc00000ull) | ((e >> 13) & (bits(m - 1, 32) >> 32)) << 32 |
		       (gla & 0x3fffff);
		return 0;
	}
	rc = walk_entry(w, (e & 0xfffff000ull) + ((gla >> 12) & 0x3ff) * 4, 4, 0, &e, pf_error);
	if (rc)
		return rc;
	*gpa = (e & 0xfffff000ull) | (gla & 0xfff);
	return 0;
}

/* PAE (4.4) and 4-level (4.5) paging share their entry formats below the
 * PDPTE, apart from the reserved bits: 62:M in PAE, 51:M in 4-level (62:52
 * are ignored there, or hold protection keys); bit 63 unless EFER.NXE. */
static int walk_64(struct walk *w, uint64_t gla, bool lma, uint64_t *gpa, uint32_t *pf_error)
{
	unsigned m = w->p->maxphyaddr;
	uint64_t addr = bits(m - 1, 12), e;
	uint64_t rsvd = (lma ? bits(51, m) : bits(62, m)) |
			((w->p->efer & EFER_NXE) ? 0 : PTE_XD);
	int rc;

	if (lma) {
		/* PML4E (bit 7 reserved), then PDPTE: a 1-GByte page has bits
		 * 29:13 reserved. */
		rc = walk_entry(w, (w->p->cr3 & addr) + ((gla >> 39) & 0x1ff) * 8, 8, rsvd | PTE_PS,
				&e, pf_error);
		if (!rc)
			rc = walk_entry(w, (e & addr) + ((gla >> 30) & 0x1ff) * 8, 8, rsvd, &e,
					pf_error);
		if (rc)
			return rc;
		if (e & PTE_PS) {
			if (e & bits(29, 13))
				return walk_rsvd(w, pf_error);
			*gpa = (e & addr & ~bits(29, 0)) | (gla & bits(29, 0));
			return 0;
		}
	} else {
		/* The PDPTE registers, checked when loaded: not present is #PF;
		 * they carry no rights. */
		e = w->p->pdpte[(gla >> 30) & 3];
		if (!(e & PTE_P)) {
			*pf_error = w->err;
			return -EACCES;
		}
	}
	/* PDE: a 2-MByte page has bits 20:13 reserved; else the PTE. */
	rc = walk_entry(w, (e & addr) + ((gla >> 21) & 0x1ff) * 8, 8, rsvd, &e, pf_error);
	if (rc)
		return rc;
	if (e & PTE_PS) {
		if (e & bits(20, 13))
			return walk_rsvd(w, pf_error);
		*gpa = (e & addr & ~bits(20, 0)) | (gla & bits(20, 0));
		return 0;
	}
	rc = walk_entry(w, (e & addr) + ((gla >> 12) & 0x1ff) * 8, 8, rsvd, &e, pf_error);
	if (rc)
		return rc;
	*gpa = (e & addr) | (gla & 0xfff);
	return 0;
}

int vmx_walk(const struct vmx_paging *p, uint64_t gla, const struct vmx_guest_access *acc,
	     uint64_t *gpa, uint32_t *pf_error)
{
	struct walk w = { p, acc, (acc->write ? PF_W : 0) | (acc->user ? PF_U : 0), true, true };
	bool lma = p->efer & EFER_LMA;
	int rc;

	if (!(p->cr0 & CR0_PG)) {
		*gpa = gla & 0xffffffffull;
		return 0;
	}
	if (!(p->cr4 & CR4_PAE)) {
		rc = walk_32(&w, gla & 0xffffffffull, gpa, pf_error);
	} else {
		if (lma && ((p->cr4 & CR4_LA57) || (uint64_t)((int64_t)(gla << 16) >> 16) != gla))
			return -EFAULT;
		rc = walk_64(&w, lma ? gla : gla & 0xffffffffull, lma, gpa, pf_error);
	}
	return rc ? rc : walk_rights(&w, pf_error);
}
