/* MOV to CR0 / CR4 checks and their side effects on EFER.LMA and the PDPTE
 * registers, in the order of the SDM's operation section (Vol. 2B "MOV—Move
 * to/from Control Registers") and of KVM's kvm_set_cr0/kvm_set_cr4.  Pure:
 * vmx/vmx_cr.c gathers the inputs. */
#include "vmx/vmx_cr_rules.h"
#include "vmx/vmx_defs.h"

#define X86_VEC_GP 13

/* Bits CR0 defines (SDM Vol. 3A 2.5, figure 2-7); the others in 31:0 are
 * reserved and ignored on write, as KVM drops them. */
#define CR0_DEFINED (X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET | \
		     X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | \
		     X86_CR0_PG)
/* A change of these under PAE paging reloads the PDPTEs (Vol. 3A 4.4.1). */
#define CR0_PDPTE_BITS (X86_CR0_CD | X86_CR0_NW | X86_CR0_PG)
#define CR4_PDPTE_BITS (X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PSE | X86_CR4_SMEP)

static bool cr_64bit_mode(const struct vmx_cr_state *s)
{
	return (s->efer & X86_EFER_LMA) && s->cs_l;
}

static bool cr_pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & X86_EFER_LMA);
}

int vmx_cr0_write(const struct vmx_cr_state *s, uint64_t val, struct vmx_cr_result *out)
{
	uint64_t old = s->cr0, efer = s->efer;
	bool ia32e = efer & X86_EFER_LMA;

	/* Outside 64-bit mode the operand is 32 bits: the upper half of the
	 * register is not part of it. */
	if (!cr_64bit_mode(s))
		val &= 0xffffffffull;
	/* "An attempt to write a 1 to any reserved bit in CR0[63:32]". */
	if (val >> 32)
		return X86_VEC_GP;
	/* ET is hardwired to 1 since the Pentium 4 (Vol. 3A 2.5). */
	val = (val & CR0_DEFINED) | X86_CR0_ET;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return X86_VEC_GP;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return X86_VEC_GP;
	/* CR4.CET = 1 needs CR0.WP = 1 (Vol. 3A 2.5, CR4.CET). */
	if (!(val & X86_CR0_WP) && (s->cr4 & X86_CR4_CET))
		return X86_VEC_GP;
	if (!(old & X86_CR0_PG) && (val & X86_CR0_PG) && (efer & X86_EFER_LME)) {
		/* Entering IA-32e mode needs PAE (Vol. 3A 10.8.5) and cannot
		 * happen with a 64-bit CS already loaded. */
		if (!(s->cr4 & X86_CR4_PAE) || s->cs_l)
			return X86_VEC_GP;
		efer |= X86_EFER_LMA;
		ia32e = true;
	}
	if ((old & X86_CR0_PG) && !(val & X86_CR0_PG)) {
		/* Paging can be turned off only from compatibility mode, and
		 * not while PCIDs are on (Vol. 3A 4.10.1). */
		if (cr_64bit_mode(s) || (s->cr4 & X86_CR4_PCIDE))
			return X86_VEC_GP;
		efer &= ~X86_EFER_LMA;
		ia32e = false;
	}
	out->cr0 = val;
	out->cr4 = s->cr4;
	out->efer = efer;
	out->ia32e = ia32e;
	out->load_pdptes = cr_pae_paging(val, s->cr4, efer) && ((val ^ old) & CR0_PDPTE_BITS);
	return 0;
}

int vmx_cr4_write(const struct vmx_cr_state *s, uint64_t val, struct vmx_cr_result *out)
{
	uint64_t old = s->cr4;
	bool lma = s->efer & X86_EFER_LMA;

	if (!cr_64bit_mode(s))
		val &= 0xffffffffull;
	/* Reserved bits, and features this guest's CPUID does not report
	 * (VMXE, SMXE): #GP, as on a CPU without them. */
	if (val & ~s->cr4_allowed)
		return X86_VEC_GP;
	/* IA-32e mode cannot be left by clearing PAE (Vol. 3A 10.8.5), nor
	 * can the paging depth change in it (Vol. 3A 4.1.1: LA57). */
	if (lma && !(val & X86_CR4_PAE))
		return X86_VEC_GP;
	if (lma && ((val ^ old) & X86_CR4_LA57))
		return X86_VEC_GP;
	/* PCIDE goes from 0 to 1 only in IA-32e mode with CR3[11:0] = 0
	 * (Vol. 3A 4.10.1). */
	if ((val & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) && (!lma || (s->cr3 & 0xfff)))
		return X86_VEC_GP;
	if ((val & X86_CR4_CET) && !(s->cr0 & X86_CR0_WP))
		return X86_VEC_GP;
	out->cr0 = s->cr0;
	out->cr4 = val;
	out->efer = s->efer;
	out->ia32e = lma;
	out->load_pdptes = cr_pae_paging(s->cr0, val, s->efer) && ((val ^ old) & CR4_PDPTE_BITS);
	return 0;
}

int vmx_pdptes_check(const uint64_t pdpte[4], unsigned maxphyaddr)
{
	uint64_t rsvd = 0x1e6ull; /* bits 2:1 and 8:5 */

	if (maxphyaddr < 64)
		rsvd |= ~0ull << maxphyaddr;
	for (unsigned i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & rsvd))
			return X86_VEC_GP;
	return 0;
}
