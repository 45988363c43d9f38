/* Hypercalls (docs/hypercalls.md): VMCALL with EAX = function, arguments in
 * EBX, ECX, EDX, ESI, result in EAX (negative errno).  Only CPL 0 may call:
 * user code gets the #UD a CPU without this hypervisor would raise (an
 * -EPERM result would be indistinguishable from query's all-writable mask). */
#include "hv/console.h"
#include "hv/errno.h"
#include "hv/log.h"
#include "hv/status.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

#define HV_HYPERCALL_VERSION 1
enum hypercall_fn { HC_VERSION = 0, HC_EXIT = 1, HC_QUERY = 2, HC_LOCK = 3, HC_EXIT_COUNT = 4 };

extern uint64_t vmx_exit_count;

static uint64_t hc_u64(uint64_t lo, uint64_t hi)
{
	return (uint32_t)lo | (uint64_t)(uint32_t)hi << 32;
}

void vmx_hypercall(struct guest_regs *r);

void vmx_hypercall(struct guest_regs *r)
{
	uint32_t fn = (uint32_t)r->rax;
	int64_t ret;

	/* CPL is SS.DPL (SDM Vol. 3A 5.5). */
	if ((vmcs_read32(GUEST_SS_AR_BYTES) & VMX_AR_DPL_MASK) &&
	    (vmcs_readl(GUEST_CR0) & X86_CR0_PE)) {
		vmx_inject_exception(6, false, 0);
		return;
	} else {
		switch (fn) {
		case HC_VERSION:
			ret = HV_HYPERCALL_VERSION;
			r->rbx = 0x50627553; /* "SubPageVisor" */
			r->rcx = 0x56656761;
			r->rdx = 0x726f7369;
			break;
		case HC_EXIT: {
			uint32_t status = (uint32_t)r->rbx;

			console_guest_flush();
			log_event("guest-exit status=%u", status);
			vmx_stop_guest(status > HV_STATUS_GUEST_MAX ? HV_STATUS_GUEST_MAX : status);
		}
		case HC_QUERY:
			ret = vmx_client ? vmx_client->query(hc_u64(r->rbx, r->rcx)) : 0xffffffffu;
			ret = (uint32_t)ret;
			break;
		case HC_LOCK:
			ret = vmx_client ? vmx_client->lock(hc_u64(r->rbx, r->rcx), (uint32_t)r->rdx) : -EPERM;
			break;
		case HC_EXIT_COUNT:
			/* VM exits so far, this VMCALL included: EAX low, EBX high
			 * (benchmarks count exits per operation with it). */
			ret = (uint32_t)vmx_exit_count;
			r->rbx = (uint32_t)(vmx_exit_count >> 32);
			break;
		default:
			ret = -ENOSYS;
			break;
		}
	}
	r->rax = (uint32_t)ret;
	vmx_skip_instruction();
}
