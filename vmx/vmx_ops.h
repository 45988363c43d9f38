/* VMX instructions as static inline wrappers.  Every one checks VMfail (SDM
 * Vol. 3C section 31.2: CF=1 VMfailInvalid, ZF=1 VMfailValid with the error
 * in the VM-instruction error field) and panics naming the instruction, the
 * field and the error: a failing VMX instruction is a hypervisor bug.
 * VMCS accesses are width-checked at compile time against the encoding. */
#ifndef VMX_VMX_OPS_H
#define VMX_VMX_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/vmx_defs.h"

__attribute__((noreturn)) void vmx_op_failed(const char *insn, uint64_t arg,
					     bool valid);

#define VMX_FAIL_ASM "setbe %[fail]\n\t"

static inline bool vmx_on(uint64_t pa)
{
	bool fail;

	__asm__ volatile("vmxon %[pa]\n\t" VMX_FAIL_ASM
			 : [fail] "=qm"(fail) : [pa] "m"(pa) : "cc", "memory");
	return !fail;
}

static inline void vmx_clear(uint64_t pa)
{
	bool fail;

	__asm__ volatile("vmclear %[pa]\n\t" VMX_FAIL_ASM
			 : [fail] "=qm"(fail) : [pa] "m"(pa) : "cc", "memory");
	if (fail)
		vmx_op_failed("vmclear", pa, true);
}

static inline void vmx_ptrld(uint64_t pa)
{
	bool fail;

	__asm__ volatile("vmptrld %[pa]\n\t" VMX_FAIL_ASM
			 : [fail] "=qm"(fail) : [pa] "m"(pa) : "cc", "memory");
	if (fail)
		vmx_op_failed("vmptrld", pa, true);
}

/* VMREAD and VMWRITE run several times on every VM exit: the VMfail check
 * is one conditional jump (CF or ZF set: "below or equal") out of line,
 * as KVM does, rather than SETBE, TEST and a jump. */
static inline uint64_t vmx_read_raw(uint32_t field)
{
	uint64_t v;

	__asm__ goto("vmread %[f], %[v]\n\t"
		     "jbe %l[fail]"
		     : [v] "=r"(v) : [f] "r"((uint64_t)field) : "cc" : fail);
	return v;
fail:
	vmx_op_failed("vmread", field, true);
}

static inline void vmx_write_raw(uint32_t field, uint64_t v)
{
	__asm__ goto("vmwrite %[v], %[f]\n\t"
		     "jbe %l[fail]"
		     : : [f] "r"((uint64_t)field), [v] "rm"(v) : "cc", "memory" : fail);
	return;
fail:
	vmx_op_failed("vmwrite", field, true);
}

#define VMCS_CHECK_WIDTH(field, width)                                      \
	_Static_assert(VMCS_FIELD_WIDTH(field) == (width),                  \
		       "VMCS field accessed with the wrong width")

#define vmcs_read16(f) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_16); (uint16_t)vmx_read_raw(f); })
#define vmcs_read32(f) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_32); (uint32_t)vmx_read_raw(f); })
#define vmcs_read64(f) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_64); vmx_read_raw(f); })
#define vmcs_readl(f)  ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_NATURAL); vmx_read_raw(f); })
#define vmcs_write16(f, v) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_16); vmx_write_raw(f, (uint16_t)(v)); })
#define vmcs_write32(f, v) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_32); vmx_write_raw(f, (uint32_t)(v)); })
#define vmcs_write64(f, v) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_64); vmx_write_raw(f, (uint64_t)(v)); })
#define vmcs_writel(f, v)  ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_NATURAL); vmx_write_raw(f, (uint64_t)(v)); })

enum invept_type { INVEPT_SINGLE_CONTEXT = 1, INVEPT_ALL_CONTEXT = 2 };

static inline void vmx_invept(enum invept_type type, uint64_t eptp)
{
	struct {
		uint64_t eptp, reserved;
	} desc = { eptp, 0 };
	bool fail;

	__asm__ volatile("invept %[d], %[t]\n\t" VMX_FAIL_ASM
			 : [fail] "=qm"(fail)
			 : [d] "m"(desc), [t] "r"((uint64_t)type) : "cc", "memory");
	if (fail)
		vmx_op_failed("invept", (uint64_t)type, true);
}

#endif
