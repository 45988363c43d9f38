/* I/O instructions that touch the hypervisor's console UART (the only ports
 * in the I/O bitmap for now): byte, word and doubleword accesses, and INS /
 * OUTS with or without REP, split into the byte accesses a 16550 sees (a
 * word access to port P reaches registers P and P+1, SDM Vol. 1 18.3).
 * Bytes of a wide access that fall outside the console's eight registers go
 * to the real port. */
#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/errno.h"
#include "hv/log.h"
#include "hv/status.h"
#include "vmx/vmx.h"
#include "vmx/vmx_event.h"
#include "vmx/vmx_event_rules.h"
#include "vmx/vmx_guest_mem.h"
#include "vmx/vmx_io.h"
#include "vmx/vmx_ops.h"

#include "drivers/uart_regs.h"

/* Iterations of a REP string instruction done per exit; the rest runs after
 * the next entry (RIP stays, RCX counts down), as an interrupt would leave it
 * (SDM Vol. 2B, REP). */
#define VMX_IO_REP_CHUNK 4096u
#define CS_AR_L  (1u << 13)
#define CS_AR_DB (1u << 14)

static bool vmx_io_is_console(uint16_t port)
{
	return vmx.console_port && port >= vmx.console_port &&
	       port < vmx.console_port + UART_REGS;
}

static uint8_t vmx_io_in_byte(uint16_t port)
{
	return vmx_io_is_console(port) ? console_guest_in(port - vmx.console_port) : inb(port);
}

static void vmx_io_out_byte(uint16_t port, uint8_t v)
{
	if (vmx_io_is_console(port))
		console_guest_out(port - vmx.console_port, v);
	else
		outb(port, v);
}

static uint32_t vmx_io_in(uint16_t port, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)vmx_io_in_byte((uint16_t)(port + i)) << (8 * i);
	return v;
}

static void vmx_io_out(uint16_t port, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		vmx_io_out_byte((uint16_t)(port + i), (uint8_t)(v >> (8 * i)));
}

/* The guest's debug registers: DR0-DR3 are its own in the processor (the
 * hypervisor never writes them, VM exits leave them, SDM Vol. 3C 28.5.1),
 * DR7 is the one the exit saved (vmx/vmx_vmcs.c). */
struct vmx_io_dbg {
	uint64_t dr7;
	uint64_t dr[4];
	bool io; /* CR4.DE: R/W = 10 means I/O (Vol. 3B 18.2.4) */
};

static bool vmx_io_dbg_read(struct vmx_io_dbg *d)
{
	d->dr7 = vmcs_readl(GUEST_DR7);
	if (!(d->dr7 & 0xff))
		return false;
	__asm__ volatile("mov %%dr0, %0" : "=r"(d->dr[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(d->dr[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(d->dr[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(d->dr[3]));
	d->io = vmcs_readl(GUEST_CR4) & X86_CR4_DE;
	return true;
}

/* The breakpoints an access to port [port, port + size) matched: I/O ones
 * only with CR4.DE (else R/W = 10 is undefined, 18.2.4). */
static uint64_t vmx_io_dbg_port(const struct vmx_io_dbg *d, uint16_t port, unsigned size)
{
	return d->io ? vmx_db_match(d->dr7, d->dr, VMX_DB_MATCH_IO, port, size) : 0;
}

/* Address size of a string instruction: from the instruction-information
 * field where the CPU reports it (IA32_VMX_BASIC bit 54, SDM Vol. 3C 28.2.5),
 * else the code segment's default. */
static unsigned vmx_io_addr_bits(void)
{
	if (vmx.msrs.basic & VMX_BASIC_INOUT) {
		unsigned a = (vmcs_read32(VMX_INSTRUCTION_INFO) >> 7) & 7;

		return a == 0 ? 16 : a == 1 ? 32 : 64;
	}
	uint32_t ar = vmcs_read32(GUEST_CS_AR_BYTES);

	if ((vmcs_read64(GUEST_IA32_EFER) & X86_EFER_LMA) && (ar & CS_AR_L))
		return 64;
	return (ar & CS_AR_DB) ? 32 : 16;
}

static uint64_t vmx_io_mask(unsigned bits)
{
	return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

/* reg += delta within the address size (the bits above a 16-bit register
 * keep their value; a 32-bit result is zero-extended, SDM Vol. 1 3.4.1.1). */
static uint64_t vmx_io_add(uint64_t reg, int64_t delta, unsigned bits)
{
	uint64_t m = vmx_io_mask(bits), v = (reg + (uint64_t)delta) & m;

	return bits == 16 ? (reg & ~m) | v : v;
}

__attribute__((noreturn)) static void vmx_io_fail(struct guest_regs *r, uint64_t qual, const char *why, uint64_t gla)
{
	console_guest_flush();
	pr_err("console I/O: %s (gla=0x%lx qualification=0x%lx); stopping the guest", why, gla,
	       qual);
	vmx_dump_guest_state(r);
	vmx_stop_guest(HV_STATUS_UNHANDLED_EXIT);
}

/* Where each byte of a string element at a lies (an element may straddle
 * pages), translated as the processor would for this access: false after
 * queueing the #PF it raises instead (CR2 the byte's address, error code
 * as SDM Vol. 3A 4.7; no port access happens, the fault comes first). */
static bool vmx_io_element(struct guest_regs *r, uint64_t qual, uint64_t a, unsigned size,
			   bool in, uint64_t gpa[4])
{
	struct vmx_guest_access acc = {
		.write = in,
		.user = ((vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3) == 3, /* CPL = SS.DPL */
		.smap_ok = vmcs_readl(GUEST_RFLAGS) & X86_RFLAGS_AC,
	};

	for (unsigned i = 0; i < size; i++) {
		uint32_t err = 0;
		int rc = vmx_guest_translate_access(a + i, &acc, &gpa[i], &err);

		if (rc == -EACCES) {
			/* Injecting a #PF does not write CR2 (SDM Vol. 3C 27.6.1). */
			__asm__ volatile("mov %0, %%cr2" : : "r"(a + i));
			vmx_event_queue_exception(X86_VEC_PF, true, err);
			return false;
		}
		if (rc)
			vmx_io_fail(r, qual, "string operand not in guest RAM", a + i);
		/* The hypervisor's own store would bypass EPT and SPP. */
		if (in && vmx_client && vmx_client->query &&
		    !(vmx_client->query(gpa[i]) & (1u << ((gpa[i] >> 7) & 31))))
			vmx_io_fail(r, qual, "INS into a protected page is not emulated", a + i);
	}
	return true;
}

static void vmx_io_string(struct guest_regs *r, uint64_t qual, uint16_t port, unsigned size)
{
	bool in = qual & VMX_IO_QUAL_IN, rep = qual & VMX_IO_QUAL_REP;
	unsigned bits = vmx_io_addr_bits();
	uint64_t count = rep ? (r->rcx & vmx_io_mask(bits)) : 1, done;
	int64_t step = (vmcs_readl(GUEST_RFLAGS) & X86_RFLAGS_DF) ? -(int64_t)size : (int64_t)size;
	uint64_t gla = vmcs_readl(GUEST_LINEAR_ADDRESS), hit = 0;
	struct vmx_io_dbg dbg;
	bool dbg_on = vmx_io_dbg_read(&dbg);

	for (done = 0; done < count && done < VMX_IO_REP_CHUNK; done++) {
		uint64_t a = gla + (uint64_t)((int64_t)done * step), gpa[4];
		uint32_t v = 0;

		if (!vmx_io_element(r, qual, a, size, in, gpa))
			break; /* a #PF: RIP stays, the iterations done count */
		if (in)
			v = vmx_io_in(port, size);
		for (unsigned i = 0; i < size; i++) {
			if (in)
				*vmx_guest_phys(gpa[i]) = (uint8_t)(v >> (8 * i));
			else
				v |= (uint32_t)*vmx_guest_phys(gpa[i]) << (8 * i);
		}
		if (!in)
			vmx_io_out(port, size, v);
		/* The element's memory access and the port access, as data and
		 * I/O breakpoints see them: the #DB trap comes after the
		 * iteration that matched (SDM Vol. 3B 18.3.1.2), the rest of a
		 * REP after the handler returns. */
		if (dbg_on)
			hit = vmx_io_dbg_port(&dbg, port, size) |
			      vmx_db_match(dbg.dr7, dbg.dr,
					   in ? VMX_DB_MATCH_WRITE : VMX_DB_MATCH_READ, a, size);
		if (hit) {
			done++;
			break;
		}
	}
	if (in)
		r->rdi = vmx_io_add(r->rdi, (int64_t)done * step, bits);
	else
		r->rsi = vmx_io_add(r->rsi, (int64_t)done * step, bits);
	if (rep)
		r->rcx = vmx_io_add(r->rcx, -(int64_t)done, bits);
	if (done == count)
		vmx_skip_instruction_db(hit);
	else if (hit)
		vmx_event_queue_db(hit); /* RIP stays on the REP instruction */
}

bool vmx_io_console(struct guest_regs *r, uint64_t qual)
{
	uint16_t port = (uint16_t)(qual >> VMX_IO_QUAL_PORT_SHIFT);
	unsigned size = (unsigned)(qual & VMX_IO_QUAL_SIZE_MASK) + 1;

	if (!vmx_io_is_console(port) && !vmx_io_is_console((uint16_t)(port + size - 1)))
		return false;
	if (qual & VMX_IO_QUAL_STRING) {
		vmx_io_string(r, qual, port, size);
		return true;
	}
	if (qual & VMX_IO_QUAL_IN) {
		uint32_t v = vmx_io_in(port, size);

		/* IN AL/AX leaves the rest of RAX; IN EAX zero-extends (SDM Vol. 1 3.4.1.1). */
		if (size == 4)
			r->rax = v;
		else
			r->rax = (r->rax & ~vmx_io_mask(8 * size)) | v;
	} else {
		vmx_io_out(port, size, (uint32_t)r->rax);
	}
	struct vmx_io_dbg dbg;

	vmx_skip_instruction_db(vmx_io_dbg_read(&dbg) ? vmx_io_dbg_port(&dbg, port, size) : 0);
	return true;
}
