/* Hardware task switches (SDM Vol. 3A 7.3, exit reason 9): the pure parts
 * that vmx/vmx_task.c applies -- descriptor decoding, the 32-bit TSS layout
 * (Vol. 3A 7.2.1, figure 7-2), the checks on the new TSS descriptor and on
 * the segments the new task loads (Vol. 3A table 7-1), and the busy-bit /
 * NT / back-link rules of Vol. 3A 7.4.  Host unit tests drive them. */
#ifndef VMX_VMX_TASK_RULES_H
#define VMX_VMX_TASK_RULES_H

#include <stdbool.h>
#include <stdint.h>

/* Exit qualification bits 31:30 (SDM Vol. 3C table 28-2). */
enum vmx_task_source {
	VMX_TASK_CALL = 0,
	VMX_TASK_IRET = 1,
	VMX_TASK_JMP = 2,
	VMX_TASK_GATE = 3, /* a task gate in the IDT */
};

#define VMX_TASK_TSS32_SIZE  104u  /* minimum 32-bit TSS: limit >= 0x67 */
#define VMX_TASK_TSS16_LIMIT 0x2bu
#define VMX_DESC_TSS16_AVAIL 0x1u
#define VMX_DESC_LDT         0x2u
#define VMX_DESC_TSS16_BUSY  0x3u
#define VMX_DESC_TSS32_AVAIL 0x9u
#define VMX_DESC_TSS32_BUSY  0xbu
#define VMX_DESC_BUSY_BIT    0x2u   /* type bit 1 of a TSS descriptor */
#define VMX_EFLAGS_NT        (1u << 14)
#define VMX_EFLAGS_VM        (1u << 17)

/* A segment descriptor (Vol. 3A 3.4.5) as the fields a task switch uses. */
struct vmx_desc {
	uint32_t base;
	uint32_t limit;  /* in bytes, G applied */
	uint8_t type;    /* bits 3:0 */
	uint8_t dpl;
	bool s, p, avl, l, db, g;
};

void vmx_desc_unpack(uint64_t raw, struct vmx_desc *d);
/* The VMCS access-rights encoding (SDM Vol. 3C table 25-2), usable. */
uint32_t vmx_desc_ar(const struct vmx_desc *d);

/* Segment registers in the TSS order (es cs ss ds fs gs). */
enum { VMX_SEG_ES, VMX_SEG_CS, VMX_SEG_SS, VMX_SEG_DS, VMX_SEG_FS, VMX_SEG_GS, VMX_SEG_N };

/* The 32-bit TSS (Vol. 3A figure 7-2). */
struct vmx_tss32 {
	uint16_t link;
	uint32_t esp[3];
	uint16_t ss[3];
	uint32_t cr3, eip, eflags;
	uint32_t gpr[8]; /* eax ecx edx ebx esp ebp esi edi */
	uint16_t seg[VMX_SEG_N];
	uint16_t ldt;
	bool trap;       /* T: #DB on switching to this task (Vol. 3A 7.2.1) */
	uint16_t iomap;
};

void vmx_tss32_unpack(const uint8_t b[VMX_TASK_TSS32_SIZE], struct vmx_tss32 *t);
/* Writes the dynamic fields a task switch saves (EIP, EFLAGS, the general
 * registers, the segment selectors: bytes 0x20..0x5f, Vol. 3A 7.3 step 7)
 * into b; the reserved upper halves of the selector fields are kept. */
void vmx_tss32_pack_dynamic(const struct vmx_tss32 *t, uint8_t b[VMX_TASK_TSS32_SIZE]);
#define VMX_TSS32_DYN_START 0x20u
#define VMX_TSS32_DYN_END   0x60u

/* An outcome: 0 ok, a fault with its error code, or a case this
 * hypervisor does not emulate (the run stops, status 116). */
struct vmx_task_fault {
	int vector;      /* 0: none; else 10 (#TS), 11 (#NP), 12 (#SS), 13 (#GP) */
	uint32_t error;
	const char *unsupported; /* non-NULL: why it is not emulated */
};

/* The new TSS descriptor for this source: selector in the GDT (TI = 0,
 * within gdt_limit), a system descriptor of the right type (available for
 * CALL/JMP/gate, busy for IRET), present, limit >= 0x67 (Vol. 3A 7.3 steps
 * 2-3, 7.2.2).  Privilege (step 2, DPL >= max(CPL, RPL) for a direct
 * JMP/CALL) is not re-checked: the CPU checks it before the exit and a
 * JMP/CALL through a task gate checks the gate's DPL, not the TSS's, which
 * the exit does not tell apart (SDM Vol. 3C 25.4.2).  A 16-bit TSS is
 * unsupported.  ext: the EXT bit of error codes (a hardware event). */
struct vmx_task_fault vmx_task_check_tss(enum vmx_task_source src, uint16_t sel,
					 uint32_t gdt_limit, uint64_t raw, bool ext);

/* Busy bits and NT (Vol. 3A 7.4, table 7-2). */
static inline bool vmx_task_clears_old_busy(enum vmx_task_source s)
{
	return s == VMX_TASK_JMP || s == VMX_TASK_IRET;
}
static inline bool vmx_task_sets_new_busy(enum vmx_task_source s)
{
	return s != VMX_TASK_IRET;
}
/* CALL and task gates nest: NT set in the new task, back link written. */
static inline bool vmx_task_nests(enum vmx_task_source s)
{
	return s == VMX_TASK_CALL || s == VMX_TASK_GATE;
}
/* EFLAGS saved in the old TSS: IRET clears NT in the image (7.4). */
uint32_t vmx_task_saved_eflags(enum vmx_task_source s, uint32_t eflags);
/* EFLAGS loaded for the new task. */
uint32_t vmx_task_new_eflags(enum vmx_task_source s, uint32_t tss_eflags);

/* Loading a segment of the new task (Vol. 3A table 7-1, conditions 5-11):
 * seg is VMX_SEG_* or VMX_SEG_N for the LDTR; in_table: the selector lies
 * within its descriptor table (for the LDTR: the GDT, TI = 0); raw: the
 * descriptor when in_table; cpl: the new CPL (RPL of the new CS).  Returns
 * 0 (load it; *null: a null selector, the register becomes unusable), or
 * the fault: #TS(selector), #NP(selector), #SS(selector). */
struct vmx_task_fault vmx_task_check_seg(unsigned seg, uint16_t sel, bool in_table, uint64_t raw,
					 unsigned cpl, bool ext, bool *null);

#endif
