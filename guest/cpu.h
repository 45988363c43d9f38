/* CPU constants and privileged-instruction wrappers for the test guest.
 * Constants are usable from C and assembly. */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

/* GAS rejects the 'u' suffix; C needs it for bit 31. */
#ifdef __ASSEMBLER__
#define GUEST_U32(x) (x)
#else
#define GUEST_U32(x) (x##u)
#endif
#define GUEST_BIT(n) (GUEST_U32(1) << (n))

/* Selectors of the guest's own GDT (boot.S). */
#define GUEST_SEL_CODE64 0x08
#define GUEST_SEL_DATA   0x10

/* SDM Vol. 3A, sections 2.5 and 4.1: bits needed to enter IA-32e mode. */
#define CR0_PE   GUEST_BIT(0)
#define CR0_PG   GUEST_BIT(31)
#define CR4_PAE  GUEST_BIT(5)
#define CR4_VMXE GUEST_BIT(13)

#define MSR_IA32_FEATURE_CONTROL 0x3A
#define MSR_IA32_EFER            0xC0000080
#define EFER_LME GUEST_BIT(8)
#define EFER_LMA GUEST_BIT(10)

/* SDM Vol. 3C, section 24.7: IA32_FEATURE_CONTROL bit 2 enables VMXON
 * outside SMX. */
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX GUEST_BIT(2)

/* CPUID.1:ECX (SDM Vol. 2A, CPUID): VMX and the "hypervisor present" bit
 * that hypervisors set by convention. */
#define CPUID1_ECX_VMX        GUEST_BIT(5)
#define CPUID1_ECX_HYPERVISOR GUEST_BIT(31)
#define CPUID_HV_BASE         0x40000000
#define CPUID_EXT_FEATURES    0x80000001
#define CPUID_EXT_EDX_LM      GUEST_BIT(29)

/* Page-table entry bits (SDM Vol. 3A, section 4.5). */
#define PTE_P  GUEST_BIT(0)
#define PTE_W  GUEST_BIT(1)
#define PTE_PS GUEST_BIT(7)

/* Serial port and emulator exit ports (see /work/shared/PLATFORM.md). */
#define COM1_PORT           0x3F8
#define QEMU_DEBUG_EXIT_PORT 0xF4
#define BOCHS_SHUTDOWN_PORT 0x8900

#ifndef __ASSEMBLER__
#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpu_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline void cpu_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void cpu_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t cpu_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t cpu_read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t cpu_read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint16_t cpu_read_cs(void)
{
	uint16_t v;

	__asm__ volatile("mov %%cs, %0" : "=r"(v));
	return v;
}

static inline uint64_t cpu_read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline void cpu_invlpg(const volatile void *va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}
#endif

#endif
