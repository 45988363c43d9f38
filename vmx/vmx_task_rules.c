/* Task-switch rules (vmx/vmx_task_rules.h): SDM Vol. 3A 3.4.5, 7.2, 7.3,
 * 7.4 and table 7-1. */
#include "vmx/vmx_task_rules.h"

#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13
#define SEL_TI 0x4u
#define TYPE_CODE 0x8u
#define TYPE_CONFORMING 0x4u /* code; expand-down for data */
#define TYPE_RW 0x2u         /* writable data, readable code */
/* EFLAGS bits that exist (Vol. 1 3.4.3): CF 1 PF AF ZF SF TF IF DF OF
 * IOPL NT RF VM AC VIF VIP ID; bit 1 is always 1. */
#define EFLAGS_DEFINED 0x3f7fd5u
#define EFLAGS_FIXED1 0x2u

void vmx_desc_unpack(uint64_t raw, struct vmx_desc *d)
{
	uint32_t limit = (uint32_t)(raw & 0xffff) | (uint32_t)((raw >> 48) & 0xf) << 16;

	d->base = (uint32_t)((raw >> 16) & 0xffffff) | (uint32_t)(raw >> 56) << 24;
	d->type = (uint8_t)((raw >> 40) & 0xf);
	d->s = (raw >> 44) & 1;
	d->dpl = (uint8_t)((raw >> 45) & 3);
	d->p = (raw >> 47) & 1;
	d->avl = (raw >> 52) & 1;
	d->l = (raw >> 53) & 1;
	d->db = (raw >> 54) & 1;
	d->g = (raw >> 55) & 1;
	/* G: the limit counts 4 KiB units, the low 12 bits all ones (3.4.5). */
	d->limit = d->g ? (limit << 12) | 0xfff : limit;
}

uint32_t vmx_desc_ar(const struct vmx_desc *d)
{
	return (uint32_t)d->type | (uint32_t)d->s << 4 | (uint32_t)d->dpl << 5 |
	       (uint32_t)d->p << 7 | (uint32_t)d->avl << 12 | (uint32_t)d->l << 13 |
	       (uint32_t)d->db << 14 | (uint32_t)d->g << 15;
}

static uint32_t get32(const uint8_t *b, unsigned off)
{
	return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16 |
	       (uint32_t)b[off + 3] << 24;
}

static uint16_t get16(const uint8_t *b, unsigned off)
{
	return (uint16_t)(b[off] | b[off + 1] << 8);
}

static void put32(uint8_t *b, unsigned off, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *b, unsigned off, uint16_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

/* Vol. 3A figure 7-2. */
void vmx_tss32_unpack(const uint8_t b[VMX_TASK_TSS32_SIZE], struct vmx_tss32 *t)
{
	t->link = get16(b, 0x00);
	for (unsigned i = 0; i < 3; i++) {
		t->esp[i] = get32(b, 0x04 + 8 * i);
		t->ss[i] = get16(b, 0x08 + 8 * i);
	}
	t->cr3 = get32(b, 0x1c);
	t->eip = get32(b, 0x20);
	t->eflags = get32(b, 0x24);
	for (unsigned i = 0; i < 8; i++)
		t->gpr[i] = get32(b, 0x28 + 4 * i);
	for (unsigned i = 0; i < VMX_SEG_N; i++)
		t->seg[i] = get16(b, 0x48 + 4 * i);
	t->ldt = get16(b, 0x60);
	t->trap = b[0x64] & 1;
	t->iomap = get16(b, 0x66);
}

void vmx_tss32_pack_dynamic(const struct vmx_tss32 *t, uint8_t b[VMX_TASK_TSS32_SIZE])
{
	put32(b, 0x20, t->eip);
	put32(b, 0x24, t->eflags);
	for (unsigned i = 0; i < 8; i++)
		put32(b, 0x28 + 4 * i, t->gpr[i]);
	for (unsigned i = 0; i < VMX_SEG_N; i++)
		put16(b, 0x48 + 4 * i, t->seg[i]);
}

static struct vmx_task_fault fault(int vector, uint16_t sel, bool ext)
{
	return (struct vmx_task_fault){ .vector = vector,
					.error = (uint32_t)(sel & 0xfffc) | (ext ? 1u : 0u) };
}

struct vmx_task_fault vmx_task_check_tss(enum vmx_task_source src, uint16_t sel,
					 uint32_t gdt_limit, uint64_t raw, bool ext)
{
	/* IRET's back link is checked with #TS, the others with #GP (Vol. 2A
	 * IRET, JMP, CALL, INT n "task gate" pseudocode). */
	int bad = src == VMX_TASK_IRET ? VEC_TS : VEC_GP;
	struct vmx_desc d;

	if ((sel & SEL_TI) || !(sel & 0xfff8) || (uint32_t)(sel | 7) > gdt_limit)
		return fault(bad, sel, ext);
	vmx_desc_unpack(raw, &d);
	if (d.s)
		return fault(bad, sel, ext);
	if (src == VMX_TASK_IRET) {
		if (d.type != VMX_DESC_TSS32_BUSY && d.type != VMX_DESC_TSS16_BUSY)
			return fault(VEC_TS, sel, ext);
	} else if (d.type != VMX_DESC_TSS32_AVAIL && d.type != VMX_DESC_TSS16_AVAIL) {
		/* a busy TSS too: tasks are not re-entrant (7.3 step 3, 7.4) */
		return fault(VEC_GP, sel, ext);
	}
	if (!(d.type & 0x8))
		return (struct vmx_task_fault){ .unsupported = "16-bit TSS" };
	if (!d.p)
		return fault(VEC_NP, sel, ext);
	if (d.limit < VMX_TASK_TSS32_SIZE - 1)
		return fault(VEC_TS, sel, ext);
	return (struct vmx_task_fault){ 0 };
}

uint32_t vmx_task_saved_eflags(enum vmx_task_source s, uint32_t eflags)
{
	return s == VMX_TASK_IRET ? eflags & ~VMX_EFLAGS_NT : eflags;
}

uint32_t vmx_task_new_eflags(enum vmx_task_source s, uint32_t tss_eflags)
{
	uint32_t f = (tss_eflags & EFLAGS_DEFINED) | EFLAGS_FIXED1;

	return vmx_task_nests(s) ? f | VMX_EFLAGS_NT : f;
}

struct vmx_task_fault vmx_task_check_seg(unsigned seg, uint16_t sel, bool in_table, uint64_t raw,
					 unsigned cpl, bool ext, bool *null)
{
	unsigned rpl = sel & 3;
	struct vmx_desc d;

	*null = false;
	if (!(sel & 0xfffc)) {
		/* A null CS or SS cannot be loaded (table 7-1, 8 and 9). */
		if (seg == VMX_SEG_CS || seg == VMX_SEG_SS)
			return fault(VEC_TS, sel, ext);
		*null = true;
		return (struct vmx_task_fault){ 0 };
	}
	if (!in_table || (seg == VMX_SEG_N && (sel & SEL_TI)))
		return fault(VEC_TS, sel, ext);
	vmx_desc_unpack(raw, &d);
	switch (seg) {
	case VMX_SEG_N: /* the LDTR: an LDT descriptor in the GDT (condition 5) */
		if (d.s || d.type != VMX_DESC_LDT || !d.p)
			return fault(VEC_TS, sel, ext);
		break;
	case VMX_SEG_CS: /* condition 8 */
		if (!d.s || !(d.type & TYPE_CODE))
			return fault(VEC_TS, sel, ext);
		if ((d.type & TYPE_CONFORMING) ? d.dpl > rpl : d.dpl != rpl)
			return fault(VEC_TS, sel, ext);
		if (!d.p)
			return fault(VEC_NP, sel, ext);
		break;
	case VMX_SEG_SS: /* condition 9 */
		if (!d.s || (d.type & TYPE_CODE) || !(d.type & TYPE_RW) || rpl != cpl ||
		    d.dpl != cpl)
			return fault(VEC_TS, sel, ext);
		if (!d.p)
			return fault(VEC_SS, sel, ext);
		break;
	default: /* DS ES FS GS: condition 10 */
		if (!d.s || ((d.type & TYPE_CODE) && !(d.type & TYPE_RW)))
			return fault(VEC_TS, sel, ext);
		if ((!(d.type & TYPE_CODE) || !(d.type & TYPE_CONFORMING)) &&
		    (d.dpl < rpl || d.dpl < cpl))
			return fault(VEC_TS, sel, ext);
		if (!d.p)
			return fault(VEC_NP, sel, ext);
		break;
	}
	return (struct vmx_task_fault){ 0 };
}
