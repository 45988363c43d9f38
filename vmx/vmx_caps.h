/* VMX capabilities: the capability MSRs decoded once into predicates, and the
 * one function that turns (required, optional) control bits into a value the
 * processor accepts.  Pure: callers pass MSR values, never MSR numbers, so host
 * tests can feed any CPU model's values.  SDM Vol. 3D appendix A. */
#ifndef VMX_VMX_CAPS_H
#define VMX_VMX_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmx/vmx_defs.h"

/* Raw capability MSRs.  The caller reads only the MSRs that exist (SDM Vol. 3D
 * A.3.3, A.10, A.3.1: PROCBASED_CTLS2 iff primary allowed-1 bit 31,
 * EPT_VPID_CAP iff secondary allowed-1 bit 1 or bit 5, TRUE_* iff BASIC bit
 * 55) and says which with the has_* flags; fields it did not read are ignored. */
struct vmx_msr_values {
	uint64_t basic, pinbased, procbased, exit, entry, misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t procbased2, ept_vpid_cap;
	uint64_t true_pinbased, true_procbased, true_exit, true_entry;
	uint64_t vmfunc;
	bool has_procbased2, has_ept_vpid_cap, has_true;
};

/* What this processor can do.  A feature that needs another to be usable
 * (unrestricted guest and SPP need EPT, SDM Vol. 3C 27.2.1.1; EPT capability
 * bits need EPT; INVVPID needs VPID) is reported only when that one is too. */
struct vmx_caps {
	bool true_ctls, ept, unrestricted_guest, mtf, spp, vpid;
	bool ept_2m, ept_1g, ept_wb, ept_4level, ept_ad;
	bool invept, invept_single, invept_all, invvpid, ept_exec_only;
	bool msr_bitmaps, io_bitmaps, secondary, preemption_timer;
	bool exit_save_efer, entry_load_efer, exit_load_efer;
	bool rdtscp, xsaves, invpcid;
	uint32_t vmcs_revision;
	uint32_t vmcs_size;
	uint8_t mem_type;	/* X86_MEMTYPE_* for the VMCS and VMXON regions */
	uint32_t cr3_targets;
	/* The control MSRs in force (TRUE_* when available), for
	 * vmx_adjust_controls(); 0 for an absent MSR, so every bit is missing. */
	uint64_t pin_msr, proc_msr, proc2_msr, exit_msr, entry_msr;
};

void vmx_caps_decode(const struct vmx_msr_values *m, struct vmx_caps *out);

struct vmx_ctl_result {
	uint32_t value;		/* what to write into the VMCS control field */
	uint32_t missing;	/* required bits the processor cannot set */
	uint32_t dropped;	/* optional bits the processor cannot set */
};

/* value = ((required | optional) & allowed-1) | allowed-0, where allowed-0 is
 * the low half of cap_msr (bits that must be 1) and allowed-1 the high half
 * (bits that may be 1), SDM Vol. 3D A.3-A.5.  Returns 0, -ENOTSUP when a
 * required bit is missing, -EINVAL for a NULL out or a cap_msr that demands a
 * bit it does not allow (not a valid capability MSR).  *out is filled in every
 * case but NULL. */
int vmx_adjust_controls(uint32_t required, uint32_t optional, uint64_t cap_msr,
			struct vmx_ctl_result *out);

enum vmx_ctl_kind {
	VMX_CTL_PIN,
	VMX_CTL_PROC,
	VMX_CTL_PROC2,
	VMX_CTL_EXIT,
	VMX_CTL_ENTRY,
};

/* SDM name of a control bit (e.g. "monitor trap flag"), or NULL for a reserved
 * bit, bit >= 32 or an unknown kind. */
const char *vmx_ctl_bit_name(enum vmx_ctl_kind kind, unsigned bit);

/* Short name of a control kind ("pin-based", "secondary", ...), or NULL. */
const char *vmx_ctl_kind_name(enum vmx_ctl_kind kind);

struct vmx_cap_item {
	const char *name;
	bool present;
};

#define VMX_CAPS_REPORT_MAX 26
/* Bytes of one `vmx-caps:` record's item text (NUL included), so that with
 * the log prefix the record fits a 320-byte log line (hv/log.c). */
#define VMX_CAPS_LINE_MAX 256

/* Writes min(cap, VMX_CAPS_REPORT_MAX) items, in a fixed order starting "EPT",
 * "unrestricted-guest", "MTF", "SPP", "VPID", "EPT-2M", "EPT-1G",
 * "INVEPT-single", "INVEPT-all", "TRUE-controls", "EPT-A/D", "EPT-WB", and
 * returns how many it wrote.  items may be NULL when cap is 0. */
size_t vmx_caps_report(const struct vmx_caps *c, struct vmx_cap_item *items,
		       size_t cap);

/* The text of one `vmx-caps:` record: items[first..n) as "NAME=yes|no"
 * separated by spaces, as many whole items as fit in buf (cap bytes, NUL
 * included); an item is never cut.  Returns the index of the first item not
 * written (n when all were); the caller prints further records from there.
 * At least one item is written whenever it fits in an empty buffer. */
size_t vmx_caps_line(const struct vmx_cap_item *items, size_t n, size_t first,
		     char *buf, size_t cap);

#endif
