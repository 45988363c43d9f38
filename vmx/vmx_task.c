/* Hardware task switches (exit reason 9), emulated for 32-bit TSSs the way
 * the CPU does them (SDM Vol. 3A 7.3, 7.4; KVM's emulator_task_switch is
 * the same shape).  The CPU has already made the checks of SDM Vol. 3C
 * 25.4.2 (privilege, the TSS selector and descriptor) before exiting; they
 * are made again (vmx/vmx_task_rules.c) since nothing is written before
 * they pass.  The exit qualification (Vol. 3C table 28-2) gives the source
 * and the new TSS selector; for a task gate in the IDT the IDT-vectoring
 * information gives the event, delivered by this switch (Vol. 3C 28.2.4).
 *
 * Guest memory (the TSSs, the GDT, the LDT, the new stack) is reached
 * through the guest's paging (vmx/vmx_guest_mem.c) and only where it is
 * guest RAM; a write to a sub-page that SPP protects is never made.  What
 * this file does not emulate -- a 16-bit TSS, a virtual-8086 task, a fault
 * on the new CS, SS or LDTR, the TSS T flag, memory it may not touch --
 * stops the guest with `guest-task-switch ... reason=...`, status 116. */
#include "hv/console.h"
#include "hv/log.h"
#include "hv/status.h"
#include "vmx/vmx.h"
#include "vmx/vmx_cr.h"
#include "vmx/vmx_event.h"
#include "vmx/vmx_guest_mem.h"
#include "vmx/vmx_ops.h"
#include "vmx/vmx_task.h"
#include "vmx/vmx_task_rules.h"

#define TASK_SEL_TI 0x4u
#define TASK_DESC_TYPE_BYTE 5 /* type, S, DPL, P in byte 5 of a descriptor */
#define TASK_SUBPAGE_SHIFT 7  /* SPP protects 128-byte sub-pages */
/* L0-L3: cleared by every task switch (SDM Vol. 3A 18.2.4). */
#define TASK_DR7_LOCAL 0x55ull

static const char *const vmx_task_src_name[4] = { "call", "iret", "jmp", "task-gate" };

static __attribute__((noreturn)) void vmx_task_stop(struct guest_regs *r, uint64_t qual,
						    const char *reason)
{
	const char *src = vmx_task_src_name[(qual >> 30) & 3];
	unsigned sel = (unsigned)(qual & 0xffff);

	console_guest_flush();
	log_event("guest-task-switch source=%s selector=0x%x reason=%s", src, sel, reason);
	pr_err("guest task switch (%s to TSS selector 0x%x): %s is not emulated; stopping the guest",
	       src, sel, reason);
	vmx_dump_guest_state(r);
	vmx_stop_guest(HV_STATUS_GUEST_TASK_SWITCH);
}

/* Copies len bytes between buf and guest linear address la (32 bits, it
 * wraps), page by page; false when a page is not guest RAM, a write goes
 * through a read-only mapping, or a write would change a sub-page that SPP
 * protects (the hypervisor never writes past the protection the guest
 * itself is held to).  Nothing is copied for a page that fails. */
static bool vmx_task_mem(uint32_t la, void *buf, unsigned len, bool write)
{
	uint8_t *b = buf;

	while (len) {
		unsigned n = 4096 - (la & 0xfff);
		uint64_t gpa;

		if (n > len)
			n = len;
		if (vmx_guest_translate(la, write, &gpa) || !vmx_guest_phys(gpa + n - 1))
			return false;
		volatile uint8_t *p = vmx_guest_phys(gpa);

		if (write) {
			uint32_t mask = vmx_client && vmx_client->query
						? vmx_client->query(gpa & ~0xfffull) : ~0u;

			for (uint64_t sp = (gpa & 0xfff) >> TASK_SUBPAGE_SHIFT;
			     sp <= ((gpa + n - 1) & 0xfff) >> TASK_SUBPAGE_SHIFT; sp++)
				if (!(mask >> sp & 1))
					return false;
			for (unsigned i = 0; i < n; i++)
				p[i] = b[i];
		} else {
			for (unsigned i = 0; i < n; i++)
				b[i] = p[i];
		}
		la += n;
		b += n;
		len -= n;
	}
	return true;
}

/* The descriptor sel names in the GDT or (TI = 1) the LDT in force;
 * *in_table false when the selector is beyond the table's limit. */
static bool vmx_task_desc(uint16_t sel, uint64_t *raw, bool *in_table)
{
	bool ldt = sel & TASK_SEL_TI;
	uint32_t base = (uint32_t)vmcs_readl(ldt ? GUEST_LDTR_BASE : GUEST_GDTR_BASE);
	uint32_t limit = vmcs_read32(ldt ? GUEST_LDTR_LIMIT : GUEST_GDTR_LIMIT);

	*raw = 0;
	*in_table = !(ldt && (vmcs_read32(GUEST_LDTR_AR_BYTES) & VMX_AR_UNUSABLE)) &&
		    (uint32_t)(sel | 7) <= limit;
	return !*in_table || vmx_task_mem(base + (sel & ~7u), raw, 8, false);
}

/* Sets or clears bits in byte 5 of the GDT descriptor of sel. */
static bool vmx_task_desc_byte5(uint16_t sel, uint8_t set, uint8_t clear)
{
	uint32_t la = (uint32_t)vmcs_readl(GUEST_GDTR_BASE) + (sel & ~7u) + TASK_DESC_TYPE_BYTE;
	uint8_t v;

	if (!vmx_task_mem(la, &v, 1, false))
		return false;
	v = (uint8_t)((v | set) & ~clear);
	return vmx_task_mem(la, &v, 1, true);
}

/* Segment i in the VMCS order ES CS SS DS FS GS LDTR TR: each field's
 * encodings are 2 apart (SDM Vol. 3D B.1.2, B.3.3, B.4.3), so the width
 * check of vmcs_write* (constant fields only) is done on ES's here. */
VMCS_CHECK_WIDTH(GUEST_ES_SELECTOR, VMCS_WIDTH_16);
VMCS_CHECK_WIDTH(GUEST_ES_BASE, VMCS_WIDTH_NATURAL);
VMCS_CHECK_WIDTH(GUEST_ES_LIMIT, VMCS_WIDTH_32);
VMCS_CHECK_WIDTH(GUEST_ES_AR_BYTES, VMCS_WIDTH_32);

static void vmx_task_load_seg(unsigned i, uint16_t sel, uint32_t base, uint32_t limit, uint32_t ar)
{
	vmx_write_raw(GUEST_ES_SELECTOR + 2 * i, sel);
	vmx_write_raw(GUEST_ES_BASE + 2 * i, base);
	vmx_write_raw(GUEST_ES_LIMIT + 2 * i, limit);
	vmx_write_raw(GUEST_ES_AR_BYTES + 2 * i, ar);
}

/* Loads one segment register of the new task (the LDTR for VMX_SEG_N)
 * with the checks of SDM Vol. 3A table 7-1; a code or data descriptor
 * gets its accessed bit, in memory too, as a segment load sets it (Vol.
 * 3A 3.4.5.1).  A fault leaves the register unusable. */
static struct vmx_task_fault vmx_task_seg(struct guest_regs *r, uint64_t qual, unsigned i,
					  uint16_t sel, unsigned cpl, bool ext)
{
	unsigned field = i == VMX_SEG_N ? 6 : i; /* VMCS order: ES..GS, LDTR, TR */
	uint64_t raw;
	bool in_table, null;
	struct vmx_desc d;
	struct vmx_task_fault f;

	if (!vmx_task_desc(sel, &raw, &in_table))
		vmx_task_stop(r, qual, "descriptor-outside-guest-ram");
	f = vmx_task_check_seg(i, sel, in_table, raw, cpl, ext, &null);
	if (f.vector || null) {
		vmx_task_load_seg(field, sel, 0, 0, VMX_AR_UNUSABLE);
		return f;
	}
	vmx_desc_unpack(raw, &d);
	if (d.s && !(d.type & VMX_AR_TYPE_ACCESSED)) {
		d.type |= VMX_AR_TYPE_ACCESSED;
		if (sel & TASK_SEL_TI) {
			uint32_t la = (uint32_t)vmcs_readl(GUEST_LDTR_BASE) + (sel & ~7u) +
				      TASK_DESC_TYPE_BYTE;
			uint8_t v = (uint8_t)(raw >> 40) | VMX_AR_TYPE_ACCESSED;

			if (!vmx_task_mem(la, &v, 1, true))
				vmx_task_stop(r, qual, "descriptor-write-refused");
		} else if (!vmx_task_desc_byte5(sel, VMX_AR_TYPE_ACCESSED, 0)) {
			vmx_task_stop(r, qual, "descriptor-write-refused");
		}
	}
	vmx_task_load_seg(field, sel, d.base, d.limit, vmx_desc_ar(&d));
	return f;
}

void vmx_exit_task_switch(struct guest_regs *r, uint64_t qual)
{
	enum vmx_task_source src = (enum vmx_task_source)((qual >> 30) & 3);
	uint16_t sel = (uint16_t)qual, old_sel = vmcs_read16(GUEST_TR_SELECTOR);
	uint32_t idt = vmcs_read32(IDT_VECTORING_INFO_FIELD), itype = idt & INTR_INFO_TYPE_MASK;
	bool via_event = src == VMX_TASK_GATE && (idt & INTR_INFO_VALID);
	/* Software interrupts/exceptions (INT n, INT3, INTO) resume after the
	 * instruction and their error codes have EXT = 0 (SDM Vol. 3A 6.13). */
	bool soft = via_event && (itype == INTR_TYPE_SOFT_INTR || itype == INTR_TYPE_SOFT_EXCEPTION ||
				  itype == INTR_TYPE_PRIV_SW_EXCEPTION);
	bool ext = via_event && itype != INTR_TYPE_SOFT_INTR && itype != INTR_TYPE_SOFT_EXCEPTION;
	uint32_t old_ar = vmcs_read32(GUEST_TR_AR_BYTES);
	uint32_t old_base = (uint32_t)vmcs_readl(GUEST_TR_BASE);
	uint8_t old_b[VMX_TASK_TSS32_SIZE], new_b[VMX_TASK_TSS32_SIZE];
	struct vmx_tss32 old, nt;
	struct vmx_task_fault f;
	struct vmx_desc d;
	uint64_t raw;
	bool in_table;

	if (vmcs_read64(GUEST_IA32_EFER) & X86_EFER_LMA)
		vmx_task_stop(r, qual, "ia32e-mode"); /* #GP without an exit (25.4.2) */
	if (src == VMX_TASK_GATE && !via_event)
		vmx_task_stop(r, qual, "task-gate-without-event");

	/* Steps 1-3 of SDM Vol. 3A 7.3: nothing is changed if they fault. */
	if (!(sel & TASK_SEL_TI) && !vmx_task_desc(sel, &raw, &in_table))
		vmx_task_stop(r, qual, "descriptor-outside-guest-ram");
	if (sel & TASK_SEL_TI)
		raw = 0;
	f = vmx_task_check_tss(src, sel, vmcs_read32(GUEST_GDTR_LIMIT), raw, ext);
	if (f.unsupported)
		vmx_task_stop(r, qual, "16-bit-tss");
	if (f.vector) {
		/* During an event's delivery this combines with it (#DF). */
		vmx_event_queue_exception((uint8_t)f.vector, true, f.error);
		return;
	}
	/* The state is saved into the current TSS, which must be a 32-bit one. */
	if ((old_ar & VMX_AR_UNUSABLE) || (old_ar & VMX_AR_TYPE_MASK) != VMX_DESC_TSS32_BUSY ||
	    vmcs_read32(GUEST_TR_LIMIT) < VMX_TASK_TSS32_SIZE - 1)
		vmx_task_stop(r, qual, "old-task-not-32-bit-tss");
	vmx_desc_unpack(raw, &d);
	if (!vmx_task_mem(old_base, old_b, sizeof(old_b), false) ||
	    !vmx_task_mem(d.base, new_b, sizeof(new_b), false))
		vmx_task_stop(r, qual, "tss-outside-guest-ram");
	vmx_tss32_unpack(old_b, &old);
	vmx_tss32_unpack(new_b, &nt);
	if (nt.eflags & VMX_EFLAGS_VM)
		vmx_task_stop(r, qual, "virtual-8086-task");
	if (nt.trap)
		vmx_task_stop(r, qual, "tss-trap-flag");

	/* Step 7: the old task's state, EIP after the instruction for
	 * JMP/CALL/IRET and software interrupts, else the interrupted one. */
	old.eip = (uint32_t)vmcs_readl(GUEST_RIP);
	if (src != VMX_TASK_GATE || soft)
		old.eip += vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	old.eflags = vmx_task_saved_eflags(src, (uint32_t)vmcs_readl(GUEST_RFLAGS));
	old.gpr[0] = (uint32_t)r->rax;
	old.gpr[1] = (uint32_t)r->rcx;
	old.gpr[2] = (uint32_t)r->rdx;
	old.gpr[3] = (uint32_t)r->rbx;
	old.gpr[4] = (uint32_t)vmcs_readl(GUEST_RSP);
	old.gpr[5] = (uint32_t)r->rbp;
	old.gpr[6] = (uint32_t)r->rsi;
	old.gpr[7] = (uint32_t)r->rdi;
	for (unsigned i = 0; i < VMX_SEG_N; i++)
		old.seg[i] = (uint16_t)vmx_read_raw(GUEST_ES_SELECTOR + 2 * i);
	vmx_tss32_pack_dynamic(&old, old_b);

	/* Steps 4-9: busy bits, the old TSS, the back link (Vol. 3A 7.4). */
	if (vmx_task_clears_old_busy(src) && !vmx_task_desc_byte5(old_sel, 0, VMX_DESC_BUSY_BIT))
		vmx_task_stop(r, qual, "gdt-write-refused");
	if (!vmx_task_mem(old_base + VMX_TSS32_DYN_START, old_b + VMX_TSS32_DYN_START,
			  VMX_TSS32_DYN_END - VMX_TSS32_DYN_START, true))
		vmx_task_stop(r, qual, "tss-write-refused");
	if (vmx_task_nests(src) && !vmx_task_mem(d.base, &old_sel, 2, true))
		vmx_task_stop(r, qual, "tss-write-refused");
	if (vmx_task_sets_new_busy(src) && !vmx_task_desc_byte5(sel, VMX_DESC_BUSY_BIT, 0))
		vmx_task_stop(r, qual, "gdt-write-refused");

	/* The event that went through the task gate is delivered now; an NMI
	 * leaves NMIs blocked (Vol. 3A 6.7.1); IRET unblocks them (Vol. 3C
	 * 25.3); the instruction ends STI / MOV SS blocking. */
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
			~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);

	if (via_event) {
		vmx_event_drop_delivered();
		if (itype == INTR_TYPE_NMI)
			intr |= GUEST_INTR_STATE_NMI;
	}
	if (src == VMX_TASK_IRET)
		intr &= ~GUEST_INTR_STATE_NMI;
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr);

	/* Step 10: TR, CR0.TS (Vol. 3A 2.5: set on every task switch). */
	d.type = VMX_DESC_TSS32_BUSY;
	vmcs_write16(GUEST_TR_SELECTOR, sel);
	vmcs_writel(GUEST_TR_BASE, d.base);
	vmcs_write32(GUEST_TR_LIMIT, d.limit);
	vmcs_write32(GUEST_TR_AR_BYTES, vmx_desc_ar(&d));
	vmcs_writel(GUEST_CR0, vmcs_readl(GUEST_CR0) | X86_CR0_TS);
	vmcs_writel(CR0_READ_SHADOW, vmcs_readl(CR0_READ_SHADOW) | X86_CR0_TS);
	vmcs_writel(GUEST_DR7, vmcs_readl(GUEST_DR7) & ~TASK_DR7_LOCAL);

	/* Step 12: the new task's state.  CR3 only with paging on (what the
	 * CPU uses then; Bochs does the same); PAE loads the PDPTEs. */
	if (vmx_guest_cr0() & X86_CR0_PG) {
		vmcs_writel(GUEST_CR3, nt.cr3);
		if ((vmx_guest_cr4() & X86_CR4_PAE) && vmx_cr_load_pdptes())
			vmx_task_stop(r, qual, "invalid-pdptes");
	}
	vmcs_writel(GUEST_RFLAGS, vmx_task_new_eflags(src, nt.eflags));
	vmcs_writel(GUEST_RIP, nt.eip);
	r->rax = nt.gpr[0];
	r->rcx = nt.gpr[1];
	r->rdx = nt.gpr[2];
	r->rbx = nt.gpr[3];
	vmcs_writel(GUEST_RSP, nt.gpr[4]);
	r->rbp = nt.gpr[5];
	r->rsi = nt.gpr[6];
	r->rdi = nt.gpr[7];

	/* Segments in the order of table 7-1: LDTR, CS, SS, then the data
	 * segments.  A fault there happens in the new task (Vol. 3A 7.3); a
	 * fault on the LDTR, CS or SS leaves a state VM entry cannot load. */
	unsigned cpl = nt.seg[VMX_SEG_CS] & 3;
	static const unsigned order[] = { VMX_SEG_N, VMX_SEG_CS, VMX_SEG_SS, VMX_SEG_DS,
					  VMX_SEG_ES, VMX_SEG_FS, VMX_SEG_GS };
	struct vmx_task_fault first = { 0 };

	for (unsigned k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		unsigned i = order[k];
		uint16_t s = i == VMX_SEG_N ? nt.ldt : nt.seg[i];

		if (first.vector) {
			vmx_task_load_seg(i == VMX_SEG_N ? 6 : i, s, 0, 0, VMX_AR_UNUSABLE);
			continue;
		}
		f = vmx_task_seg(r, qual, i, s, cpl, ext);
		if (f.vector && k < 3)
			vmx_task_stop(r, qual, "fault-loading-ldtr-cs-ss");
		if (f.vector)
			first = f;
	}

	/* A task gate for an exception with an error code pushes it on the
	 * new task's stack (Vol. 3A 6.12.2, 7.3 step 13). */
	if (via_event && (idt & INTR_INFO_DELIVER_CODE)) {
		uint32_t ss_ar = vmcs_read32(GUEST_SS_AR_BYTES), esp = nt.gpr[4] - 4;
		uint32_t err = vmcs_read32(IDT_VECTORING_ERROR_CODE);

		if (first.vector || !(ss_ar & VMX_AR_DB) || (ss_ar & 0x4) ||
		    esp > vmcs_read32(GUEST_SS_LIMIT) - 3 || vmcs_read32(GUEST_SS_LIMIT) < 3)
			vmx_task_stop(r, qual, "error-code-push");
		if (!vmx_task_mem((uint32_t)vmcs_readl(GUEST_SS_BASE) + esp, &err, 4, true))
			vmx_task_stop(r, qual, "stack-write-refused");
		vmcs_writel(GUEST_RSP, esp);
	}
	if (first.vector)
		vmx_event_queue_exception((uint8_t)first.vector, true, first.error);
}
