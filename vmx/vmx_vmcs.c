/* The VMCS for a multiboot guest: controls, host state and the guest state a
 * multiboot loader promises (32-bit protected mode, paging off; Multiboot
 * 0.6.96 section 3.2), SDM Vol. 3C chapter 25. */
#include "boot/desc.h"
#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/lib/string.h"
#include "hv/log.h"
#include "hv/panic.h"
#include "hv/power.h"
#include "hv/status.h"
#include "vmx/vmx.h"
#include "vmx/vmx_guest_power.h"
#include "vmx/vmx_drain.h"
#include "vmx/vmx_msr.h"
#include "vmx/vmx_pci.h"
#include "vmx/vmx_ops.h"

#define GUEST_AR_CODE32 0xc09b /* present, code exec/read accessed, D=1, G=1 */
#define GUEST_AR_DATA32 0xc093 /* present, data read/write accessed, D=1, G=1 */
#define GUEST_AR_TSS32  0x008b /* present, 32-bit busy TSS */
#define GUEST_AR_LDT_UNUSABLE VMX_AR_UNUSABLE
#define GUEST_CR0_MB    (X86_CR0_PE | X86_CR0_ET | X86_CR0_NE)

extern void vmx_exit_stub(void);
extern char vmx_exit_stack_top[];
void vmx_launch(uint64_t eax, uint64_t ebx, uint64_t esi);

static uint32_t vmx_controls(enum vmx_ctl_kind kind, uint32_t required,
			     uint32_t optional, uint64_t msr)
{
	struct vmx_ctl_result r;

	if (vmx_adjust_controls(required, optional, msr, &r)) {
		for (unsigned bit = 0; bit < 32; bit++) {
			const char *name = vmx_ctl_bit_name(kind, bit);

			if (r.missing & (1u << bit))
				pr_err("refused: required %s VM-execution control \"%s\" (bit %u) "
				       "is not supported by this CPU",
				       vmx_ctl_kind_name(kind), name ? name : "?", bit);
		}
		hv_power_off(HV_STATUS_NO_VMX);
	}
	return r.value;
}

static void vmx_setup_controls(struct vmx_cpu *v, const struct vmx_guest_setup *g)
{
	const struct vmx_caps *c = &v->caps;
	uint32_t proc2_opt = SECONDARY_EXEC_ENABLE_RDTSCP | SECONDARY_EXEC_ENABLE_INVPCID |
			     SECONDARY_EXEC_ENABLE_XSAVES;
	uint32_t proc2_req = SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST;
	/* TSC offsetting: guest writes to IA32_TSC become an offset, the host
	 * TSC (the hypervisor's clock) is never written (vmx/vmx_msr.c). */
	uint32_t proc_req = CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_USE_IO_BITMAPS |
			    CPU_BASED_ACTIVATE_SECONDARY_CONTROLS | CPU_BASED_USE_TSC_OFFSETTING;

	if (g->want_spp_hw)
		proc2_req |= SECONDARY_EXEC_EPT_SPP;
	if (g->test_unhandled_exit)
		proc_req |= CPU_BASED_HLT_EXITING;
	v->pin = vmx_controls(VMX_CTL_PIN, 0, 0, c->pin_msr);
	/* The default-1 "CR3 load/store exiting" bits are cleared by the TRUE
	 * MSRs on every CPU with unrestricted guest; the guest owns CR3. */
	v->proc = vmx_controls(VMX_CTL_PROC, proc_req, 0, c->proc_msr);
	v->proc2 = vmx_controls(VMX_CTL_PROC2, proc2_req, proc2_opt, c->proc2_msr);
	/* EFER and PAT are passed through to the guest (vmx/vmx_msr_policy.c):
	 * that is safe only while entry and exit switch them.  DR7 and
	 * IA32_DEBUGCTL are the guest's too, but every VM exit sets DR7 to
	 * 400H and clears IA32_DEBUGCTL (SDM Vol. 3C 28.5.1): without "save
	 * debug controls" (28.3.1) and "load debug controls" (27.3.2.1) any
	 * exit would disable the guest's breakpoints, and its DEBUGCTL writes
	 * (the VMCS field, vmx/vmx_msr.c) would never take effect. */
	v->exit = vmx_controls(VMX_CTL_EXIT, VM_EXIT_HOST_ADDR_SPACE_SIZE |
			       VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER |
			       VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT |
			       VM_EXIT_SAVE_DEBUG_CONTROLS, 0, c->exit_msr);
	v->entry = vmx_controls(VMX_CTL_ENTRY,
				VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT |
				VM_ENTRY_LOAD_DEBUG_CONTROLS, 0, c->entry_msr);
	v->spp_hw = !!(v->proc2 & SECONDARY_EXEC_EPT_SPP);

	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, v->pin);
	v->pin_in_vmcs = v->pin;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, v->proc);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, v->proc2);
	vmcs_write32(VM_EXIT_CONTROLS, v->exit);
	vmcs_write32(VM_ENTRY_CONTROLS, v->entry);
	vmcs_write32(EXCEPTION_BITMAP, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write64(EPT_POINTER, g->eptp);
	if (v->spp_hw)
		vmcs_write64(SPPT_POINTER, g->spptp);
	vmcs_write64(MSR_BITMAP, v->msr_bitmap_pa);
	vmcs_write64(IO_BITMAP_A, v->io_bitmap_pa[0]);
	vmcs_write64(IO_BITMAP_B, v->io_bitmap_pa[1]);
	vmcs_write64(VMCS_LINK_POINTER, ~0ull);
	/* The field exists only with "enable XSAVES/XRSTORS" (SDM Vol. 3C
	 * 25.6.20) and must then be written: no bit set, no XSAVES/XRSTORS
	 * exits.  The guest's IA32_XSS is the CPU's own (the hypervisor never
	 * uses XSAVES) and the MSR policy refuses the one component whose
	 * state would reach MSRs the guest may not touch (Intel PT, bit 8,
	 * vmx/vmx_msr.c), so XSAVES/XRSTORS see only the guest's state. */
	if (v->proc2 & SECONDARY_EXEC_ENABLE_XSAVES)
		vmcs_write64(XSS_EXIT_BITMAP, 0);

	/* The guest owns CR0/CR4 except the bits VMX operation pins (SDM Vol. 3C
	 * 24.8 and 26.3.1.1): CR0.NE and CR4.VMXE.  With unrestricted guest PE
	 * and PG are free.  Those bits are host-owned: guest reads see the
	 * shadow, guest writes that differ from it exit. */
	uint64_t cr0_fixed = v->msrs.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	vmcs_writel(CR0_GUEST_HOST_MASK, cr0_fixed | ~v->msrs.cr0_fixed1);
	/* CR4.VMXE and SMXE are the hypervisor's on every CPU: the guest
	 * was told it has neither (CPUID), reads them as 0 and gets #GP for
	 * setting them (vmx/vmx_cr.c), even where the CPU has SMX. */
	vmcs_writel(CR4_GUEST_HOST_MASK, v->msrs.cr4_fixed0 | ~v->msrs.cr4_fixed1 |
		    X86_CR4_VMXE | X86_CR4_SMXE);
	vmcs_writel(CR0_READ_SHADOW, GUEST_CR0_MB);
	vmcs_writel(CR4_READ_SHADOW, 0);
}

static void vmx_setup_host_state(void)
{
	struct desc_host_state d;

	desc_host_state(&d);
	vmcs_writel(HOST_CR0, read_cr0());
	vmcs_writel(HOST_CR3, read_cr3());
	vmcs_writel(HOST_CR4, read_cr4());
	vmcs_write16(HOST_CS_SELECTOR, d.cs);
	vmcs_write16(HOST_SS_SELECTOR, d.ds);
	vmcs_write16(HOST_DS_SELECTOR, d.ds);
	vmcs_write16(HOST_ES_SELECTOR, d.ds);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, d.tr);
	vmcs_writel(HOST_FS_BASE, 0);
	vmcs_writel(HOST_GS_BASE, 0);
	vmcs_writel(HOST_TR_BASE, d.tr_base);
	vmcs_writel(HOST_GDTR_BASE, d.gdt_base);
	vmcs_writel(HOST_IDTR_BASE, d.idt_base);
	vmcs_write32(HOST_IA32_SYSENTER_CS, 0);
	vmcs_writel(HOST_IA32_SYSENTER_ESP, 0);
	vmcs_writel(HOST_IA32_SYSENTER_EIP, 0);
	vmcs_write64(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_write64(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_writel(HOST_RSP, (uint64_t)vmx_exit_stack_top);
	vmcs_writel(HOST_RIP, (uint64_t)vmx_exit_stub);
}

#define GUEST_SEG(seg, sel, ar)                                        \
	do {                                                           \
		vmcs_write16(GUEST_##seg##_SELECTOR, sel);             \
		vmcs_writel(GUEST_##seg##_BASE, 0);                    \
		vmcs_write32(GUEST_##seg##_LIMIT, 0xffffffff);         \
		vmcs_write32(GUEST_##seg##_AR_BYTES, ar);              \
	} while (0)

static void vmx_setup_guest_state(const struct vmx_guest_setup *g)
{
	GUEST_SEG(CS, g->cs_sel, GUEST_AR_CODE32);
	GUEST_SEG(DS, g->ds_sel, GUEST_AR_DATA32);
	GUEST_SEG(ES, g->ds_sel, GUEST_AR_DATA32);
	GUEST_SEG(SS, g->ds_sel, GUEST_AR_DATA32);
	GUEST_SEG(FS, g->ds_sel, GUEST_AR_DATA32);
	GUEST_SEG(GS, g->ds_sel, GUEST_AR_DATA32);
	vmcs_write16(GUEST_TR_SELECTOR, 0);
	vmcs_writel(GUEST_TR_BASE, 0);
	vmcs_write32(GUEST_TR_LIMIT, 0x67);
	vmcs_write32(GUEST_TR_AR_BYTES, GUEST_AR_TSS32);
	vmcs_write16(GUEST_LDTR_SELECTOR, 0);
	vmcs_writel(GUEST_LDTR_BASE, 0);
	vmcs_write32(GUEST_LDTR_LIMIT, 0);
	vmcs_write32(GUEST_LDTR_AR_BYTES, GUEST_AR_LDT_UNUSABLE);
	vmcs_writel(GUEST_GDTR_BASE, g->gdtr_base);
	vmcs_write32(GUEST_GDTR_LIMIT, g->gdtr_limit);
	vmcs_writel(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0);

	vmcs_writel(GUEST_CR0, GUEST_CR0_MB);
	vmcs_writel(GUEST_CR3, 0);
	vmcs_writel(GUEST_CR4, vmx.msrs.cr4_fixed0);
	vmcs_writel(GUEST_DR7, 0x400);
	vmcs_writel(GUEST_RSP, 0);
	vmcs_writel(GUEST_RIP, g->entry);
	vmcs_writel(GUEST_RFLAGS, X86_RFLAGS_FIXED);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_writel(GUEST_SYSENTER_ESP, 0);
	vmcs_writel(GUEST_SYSENTER_EIP, 0);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write64(GUEST_IA32_EFER, 0);
	vmcs_write64(GUEST_IA32_PAT, 0x0007040600070406ull); /* power-on PAT */
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmx.test_nmi_on_violation = g->test_nmi_on_violation;
	if (g->test_entry_fail) {
		/* Test switch: a guest TR that is not a TSS must fail the guest
		 * state checks (SDM Vol. 3C 27.3.1.2). */
		pr_warn("test: corrupting guest TR access rights to force a VM-entry failure");
		vmcs_write32(GUEST_TR_AR_BYTES, GUEST_AR_DATA32);
	}
}

static void vmx_setup_bitmaps(struct vmx_cpu *v)
{
	uint8_t *io_a = (uint8_t *)(uintptr_t)v->io_bitmap_pa[0];

	/* Deny-by-default MSR policy and the guest's TSC offset. */
	vmx_msr_setup_vmcs(v);
	vmx_pci_trap_ports(io_a);
	/* I/O bitmap A covers ports 0-0x7fff, B the rest: all eight registers
	 * of the console UART are the hypervisor's; the guest sees an emulated
	 * one there (hv/vuart.h, vmx/vmx_io.c). */
	for (unsigned i = 0; v->console_port && i < 8; i++) {
		uint16_t p = (uint16_t)(v->console_port + i);
		uint8_t *io = p < 0x8000 ? io_a : (uint8_t *)(uintptr_t)v->io_bitmap_pa[1];

		io[(p & 0x7fff) / 8] |= (uint8_t)(1u << (p % 8));
	}
	vmx_power_setup(io_a, (uint8_t *)(uintptr_t)v->io_bitmap_pa[1]);
}

__attribute__((noreturn)) void vmx_launch_guest(struct vmx_cpu *v, struct palloc *pool,
						const struct vmx_guest_setup *g)
{
	(void)pool;
	if (g->test_vmcs_poison) {
		/* Test switch: the VMCS data (after the revision identifier
		 * and the abort indicator, SDM Vol. 3C 25.2) is all ones, as a
		 * previous user of the page could leave it.  The SDM gives
		 * no field a value until VMWRITE writes it, so every field the
		 * enabled controls use must be written here; Bochs reads the
		 * fields from this memory, so one left out shows. */
		pr_warn("test: VMCS region filled with 0xff before VMCLEAR");
		memset((uint8_t *)(uintptr_t)v->vmcs_pa + 8, 0xff, 4096 - 8);
	}
	vmx_clear(v->vmcs_pa);
	vmx_ptrld(v->vmcs_pa);
	vmx_setup_controls(v, g);
	vmx_setup_host_state();
	vmx_setup_guest_state(g);
	vmx_setup_bitmaps(v);
	pr_info("vmx: launching guest at 0x%x (eax=0x%x ebx=0x%x esi=0x%x)", g->entry, g->eax,
		g->ebx, g->esi);
	vmx_drain_update(console_pending());
	vmx_pin_commit();
	vmx_launch(g->eax, g->ebx, g->esi);
	__builtin_unreachable();
}
