/* The hypervisor's hypercall ABI as the guest sees it.  VMCALL with EAX = the
 * function, arguments in EBX, ECX, EDX, ESI (64-bit values split low/high),
 * result in EAX as a 32-bit value (negative errno, Linux numbers). */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#define HC_VERSION 0 /* -> EAX = version (> 0), EBX:ECX:EDX = signature */
#define HC_EXIT    1 /* EBX = status; never returns */
#define HC_QUERY   2 /* EBX:ECX = GPA -> writable-sub-page mask */
#define HC_LOCK    3 /* EBX:ECX = GPA, EDX = length -> 0 or -errno */

#define HC_EPERM  1
#define HC_EINVAL 22
#define HC_ENOSYS 38

/* CPUID leaf 0x40000000 and HC_VERSION return this in EBX, ECX, EDX. */
#define HC_SIGNATURE "SubPageVisor"
#define HC_SIG_EBX 0x50627553 /* "SubP" */
#define HC_SIG_ECX 0x56656761 /* "ageV" */
#define HC_SIG_EDX 0x726f7369 /* "isor" */

/* Offsets in struct hc_regs, for probe.S. */
#define HC_REGS_EAX 0
#define HC_REGS_EBX 4
#define HC_REGS_ECX 8
#define HC_REGS_EDX 12
#define HC_REGS_ESI 16

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct hc_regs {
	uint32_t eax, ebx, ecx, edx, esi;
};

_Static_assert(offsetof(struct hc_regs, eax) == HC_REGS_EAX, "hc eax");
_Static_assert(offsetof(struct hc_regs, ebx) == HC_REGS_EBX, "hc ebx");
_Static_assert(offsetof(struct hc_regs, ecx) == HC_REGS_ECX, "hc ecx");
_Static_assert(offsetof(struct hc_regs, edx) == HC_REGS_EDX, "hc edx");
_Static_assert(offsetof(struct hc_regs, esi) == HC_REGS_ESI, "hc esi");

/* Executes VMCALL with *regs in and out.  Returns -1 when VMCALL completed,
 * else the vector it raised (#UD with no hypervisor); regs is then left as
 * it was passed. */
int32_t hc_vmcall(struct hc_regs *regs);

static inline int32_t hc_call(uint32_t fn, uint32_t b, uint32_t c, uint32_t d,
			      uint32_t s)
{
	struct hc_regs r = { .eax = fn, .ebx = b, .ecx = c, .edx = d, .esi = s };

	if (hc_vmcall(&r) >= 0)
		return -HC_ENOSYS;
	return (int32_t)r.eax;
}

static inline uint32_t hc_query(uint64_t gpa)
{
	return (uint32_t)hc_call(HC_QUERY, (uint32_t)gpa, (uint32_t)(gpa >> 32), 0, 0);
}

static inline int32_t hc_lock(uint64_t gpa, uint32_t length)
{
	return hc_call(HC_LOCK, (uint32_t)gpa, (uint32_t)(gpa >> 32), length, 0);
}

static inline void hc_exit(uint32_t status)
{
	hc_call(HC_EXIT, status, 0, 0, 0);
}
#endif

#endif
