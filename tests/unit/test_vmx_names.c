/* Exit-reason names, VM-instruction error strings, and the vmx_defs.h
 * constants they and the VMCS accessors depend on.  Expected numbers and
 * strings come from the SDM (Vol. 3C 25.11.2 and 31.4, Vol. 3D appendices B
 * and C) and /work/shared/PLATFORM.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vmx_defs.h"
#include "vmx/vmx_names.h"

struct num_str {
	uint32_t n;
	const char *s;
};

static const struct num_str exit_names[] = {
	{ 0, "exception or NMI" },
	{ 1, "external interrupt" },
	{ 2, "triple fault" },
	{ 3, "INIT signal" },
	{ 4, "start-up IPI" },
	{ 7, "interrupt window" },
	{ 8, "NMI window" },
	{ 10, "CPUID" },
	{ 11, "GETSEC" },
	{ 12, "HLT" },
	{ 13, "INVD" },
	{ 18, "VMCALL" },
	{ 28, "control-register access" },
	{ 30, "I/O instruction" },
	{ 31, "RDMSR" },
	{ 32, "WRMSR" },
	{ 33, "VM-entry failure due to invalid guest state" },
	{ 34, "VM-entry failure due to MSR loading" },
	{ 37, "monitor trap flag" },
	{ 41, "VM-entry failure due to machine-check event" },
	{ 48, "EPT violation" },
	{ 49, "EPT misconfiguration" },
	{ 52, "VMX-preemption timer expired" },
	{ 55, "XSETBV" },
	{ 66, "SPP-related event" },
	{ 69, "LOADIWKEY" },
};

static void test_exit_reason_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(exit_names) / sizeof(exit_names[0]); i++)
		assert_string_equal(vmx_exit_reason_name(exit_names[i].n),
				    exit_names[i].s);
	/* Every defined reason below 70 has a name; 35, 38 and 42 are unused. */
	for (uint32_t r = 0; r < 70; r++) {
		const char *s = vmx_exit_reason_name(r);
		bool unused = r == 35 || r == 38 || r == 42;

		assert_non_null(s);
		assert_int_equal(strcmp(s, "unknown") == 0, unused);
	}
	assert_string_equal(vmx_exit_reason_name(EXIT_REASON_COUNT), "unknown");
	assert_string_equal(vmx_exit_reason_name(0xffff), "unknown");
	/* Flag bits of the raw field are ignored (SDM Vol. 3C 25.9.1). */
	assert_string_equal(vmx_exit_reason_name(VMX_EXIT_REASON_FAILED_VMENTRY |
						 EXIT_REASON_INVALID_STATE),
			    "VM-entry failure due to invalid guest state");
	assert_string_equal(vmx_exit_reason_name(VMX_EXIT_REASON_PENDING_MTF |
						 EXIT_REASON_EPT_VIOLATION),
			    "EPT violation");
	assert_string_equal(vmx_exit_reason_name(0xffffffffu), "unknown");
}

static void test_exit_reason_numbers(void **state)
{
	(void)state;
	assert_int_equal(EXIT_REASON_EXCEPTION_NMI, 0);
	assert_int_equal(EXIT_REASON_EXTERNAL_INTERRUPT, 1);
	assert_int_equal(EXIT_REASON_TRIPLE_FAULT, 2);
	assert_int_equal(EXIT_REASON_INIT_SIGNAL, 3);
	assert_int_equal(EXIT_REASON_SIPI_SIGNAL, 4);
	assert_int_equal(EXIT_REASON_INTERRUPT_WINDOW, 7);
	assert_int_equal(EXIT_REASON_NMI_WINDOW, 8);
	assert_int_equal(EXIT_REASON_CPUID, 10);
	assert_int_equal(EXIT_REASON_GETSEC, 11);
	assert_int_equal(EXIT_REASON_INVD, 13);
	assert_int_equal(EXIT_REASON_VMCALL, 18);
	assert_int_equal(EXIT_REASON_CR_ACCESS, 28);
	assert_int_equal(EXIT_REASON_MSR_READ, 31);
	assert_int_equal(EXIT_REASON_MSR_WRITE, 32);
	assert_int_equal(EXIT_REASON_INVALID_STATE, 33);
	assert_int_equal(EXIT_REASON_MSR_LOAD_FAIL, 34);
	assert_int_equal(EXIT_REASON_MONITOR_TRAP_FLAG, 37);
	assert_int_equal(EXIT_REASON_MCE_DURING_VMENTRY, 41);
	assert_int_equal(EXIT_REASON_EPT_VIOLATION, 48);
	assert_int_equal(EXIT_REASON_EPT_MISCONFIG, 49);
	assert_int_equal(EXIT_REASON_XSETBV, 55);
	assert_int_equal(EXIT_REASON_SPP, 66);
	assert_int_equal(EXIT_REASON_LOADIWKEY, 69);
}

static void test_instruction_errors(void **state)
{
	static const struct num_str errs[] = {
		{ 0, "no error" },
		{ 1, "VMCALL executed in VMX root operation" },
		{ 2, "VMCLEAR with invalid physical address" },
		{ 4, "VMLAUNCH with non-clear VMCS" },
		{ 5, "VMRESUME with non-launched VMCS" },
		{ 7, "VM entry with invalid control field(s)" },
		{ 8, "VM entry with invalid host-state field(s)" },
		{ 11, "VMPTRLD with incorrect VMCS revision identifier" },
		{ 12, "VMREAD/VMWRITE from/to unsupported VMCS component" },
		{ 13, "VMWRITE to read-only VMCS component" },
		{ 15, "VMXON executed in VMX root operation" },
		{ 26, "VM entry with events blocked by MOV SS" },
		{ 28, "invalid operand to INVEPT/INVVPID" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		assert_string_equal(vmx_instruction_error_str(errs[i].n), errs[i].s);
	/* 14, 21 and 27 are reserved in table 31-1. */
	for (uint32_t n = 0; n <= 28; n++) {
		bool reserved = n == 14 || n == 21 || n == 27;

		assert_int_equal(strcmp(vmx_instruction_error_str(n), "unknown") == 0,
				 reserved);
	}
	assert_int_equal(VMXERR_ENTRY_INVALID_CONTROL_FIELD, 7);
	assert_int_equal(VMXERR_INVALID_INVEPT_INVVPID_OPERAND, 28);
	assert_string_equal(vmx_instruction_error_str(29), "unknown");
	assert_string_equal(vmx_instruction_error_str(0xffffffffu), "unknown");
}

struct field {
	uint32_t enc, expect, width, type;
};

#define F(name, val, w, t) { name, val, VMCS_WIDTH_##w, VMCS_TYPE_##t }

/* Encodings from SDM Vol. 3D appendix B; width and type must agree with the
 * encoding's own bits 14:13 and 11:10 (Vol. 3C 25.11.2). */
static const struct field fields[] = {
	F(VIRTUAL_PROCESSOR_ID, 0x0000, 16, CONTROL),
	F(POSTED_INTR_NV, 0x0002, 16, CONTROL),
	F(GUEST_ES_SELECTOR, 0x0800, 16, GUEST),
	F(GUEST_TR_SELECTOR, 0x080e, 16, GUEST),
	F(HOST_TR_SELECTOR, 0x0c0c, 16, HOST),
	F(IO_BITMAP_A, 0x2000, 64, CONTROL),
	F(IO_BITMAP_B, 0x2002, 64, CONTROL),
	F(MSR_BITMAP, 0x2004, 64, CONTROL),
	F(EPT_POINTER, 0x201a, 64, CONTROL),
	F(SPPT_POINTER, 0x2030, 64, CONTROL),
	F(GUEST_PHYSICAL_ADDRESS, 0x2400, 64, EXIT_INFO),
	F(VMCS_LINK_POINTER, 0x2800, 64, GUEST),
	F(GUEST_IA32_DEBUGCTL, 0x2802, 64, GUEST),
	F(GUEST_IA32_PAT, 0x2804, 64, GUEST),
	F(GUEST_IA32_EFER, 0x2806, 64, GUEST),
	F(HOST_IA32_PAT, 0x2c00, 64, HOST),
	F(HOST_IA32_EFER, 0x2c02, 64, HOST),
	F(PIN_BASED_VM_EXEC_CONTROL, 0x4000, 32, CONTROL),
	F(CPU_BASED_VM_EXEC_CONTROL, 0x4002, 32, CONTROL),
	F(EXCEPTION_BITMAP, 0x4004, 32, CONTROL),
	F(CR3_TARGET_COUNT, 0x400a, 32, CONTROL),
	F(VM_EXIT_CONTROLS, 0x400c, 32, CONTROL),
	F(VM_ENTRY_CONTROLS, 0x4012, 32, CONTROL),
	F(VM_ENTRY_INTR_INFO_FIELD, 0x4016, 32, CONTROL),
	F(TPR_THRESHOLD, 0x401c, 32, CONTROL),
	F(SECONDARY_VM_EXEC_CONTROL, 0x401e, 32, CONTROL),
	F(VM_INSTRUCTION_ERROR, 0x4400, 32, EXIT_INFO),
	F(VM_EXIT_REASON, 0x4402, 32, EXIT_INFO),
	F(IDT_VECTORING_INFO_FIELD, 0x4408, 32, EXIT_INFO),
	F(VM_EXIT_INSTRUCTION_LEN, 0x440c, 32, EXIT_INFO),
	F(VMX_INSTRUCTION_INFO, 0x440e, 32, EXIT_INFO),
	F(GUEST_ES_LIMIT, 0x4800, 32, GUEST),
	F(GUEST_TR_AR_BYTES, 0x4822, 32, GUEST),
	F(GUEST_INTERRUPTIBILITY_INFO, 0x4824, 32, GUEST),
	F(GUEST_ACTIVITY_STATE, 0x4826, 32, GUEST),
	F(GUEST_SYSENTER_CS, 0x482a, 32, GUEST),
	F(VMX_PREEMPTION_TIMER_VALUE, 0x482e, 32, GUEST),
	F(HOST_IA32_SYSENTER_CS, 0x4c00, 32, HOST),
	F(CR0_GUEST_HOST_MASK, 0x6000, NATURAL, CONTROL),
	F(CR4_READ_SHADOW, 0x6006, NATURAL, CONTROL),
	F(EXIT_QUALIFICATION, 0x6400, NATURAL, EXIT_INFO),
	F(GUEST_LINEAR_ADDRESS, 0x640a, NATURAL, EXIT_INFO),
	F(GUEST_CR0, 0x6800, NATURAL, GUEST),
	F(GUEST_DR7, 0x681a, NATURAL, GUEST),
	F(GUEST_RSP, 0x681c, NATURAL, GUEST),
	F(GUEST_RIP, 0x681e, NATURAL, GUEST),
	F(GUEST_RFLAGS, 0x6820, NATURAL, GUEST),
	F(GUEST_SYSENTER_EIP, 0x6826, NATURAL, GUEST),
	F(HOST_CR0, 0x6c00, NATURAL, HOST),
	F(HOST_IDTR_BASE, 0x6c0e, NATURAL, HOST),
	F(HOST_IA32_SYSENTER_EIP, 0x6c12, NATURAL, HOST),
	F(HOST_RSP, 0x6c14, NATURAL, HOST),
	F(HOST_RIP, 0x6c16, NATURAL, HOST),
};

static void test_vmcs_encodings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *f = &fields[i];

		assert_int_equal(f->enc, f->expect);
		assert_int_equal(VMCS_FIELD_WIDTH(f->enc), f->width);
		assert_int_equal(VMCS_FIELD_TYPE(f->enc), f->type);
		assert_int_equal(f->enc & VMCS_ENC_HIGH, 0);
	}
	assert_int_equal(HOST_RSP, VMCS_ENC_HOST_RSP);
	assert_int_equal(GUEST_RIP, VMCS_ENC_GUEST_RIP);
}

static void test_qualification_and_bits(void **state)
{
	(void)state;
	/* PLATFORM.md: Bochs reports a forbidden SPP write as EPT violation
	 * 0x1aa = write, EPT R and X, linear address valid, final translation. */
	assert_int_equal(EPT_VIOL_WRITE | EPT_VIOL_EPT_READABLE |
			 EPT_VIOL_EPT_EXECUTABLE | EPT_VIOL_GLA_VALID |
			 EPT_VIOL_FINAL_TRANSLATION, 0x1aa);
	assert_int_equal(VMX_SPP_QUAL_SPPT_MISS, 0x800);
	assert_int_equal(CPU_BASED_MONITOR_TRAP_FLAG, 1u << 27);
	assert_int_equal(SECONDARY_EXEC_EPT_SPP, 1u << 23);
	assert_int_equal(X86_CR4_VMXE, 0x2000);
	/* PLATFORM.md's CR0_FIXED0 = PE | NE | PG. */
	assert_int_equal(X86_CR0_PE | X86_CR0_NE | X86_CR0_PG, 0x80000021);
	/* 64-bit masks: ~X86_CR0_PG must keep bits 63:32. */
	assert_true((~X86_CR0_PG >> 32) == 0xffffffffu);
	assert_int_equal(INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION |
			 INTR_INFO_DELIVER_CODE | 14, 0x80000b0e);
	assert_int_equal(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS |
			 GUEST_INTR_STATE_NMI, 0xb);
	/* A 64-bit code segment: type 0xb, S, P, L, as the VMCS stores it. */
	assert_int_equal(0xb | VMX_AR_S | VMX_AR_P | VMX_AR_L, 0x209b);
	assert_int_equal(MSR_IA32_VMX_TRUE_PROCBASED_CTLS, 0x48e);
	assert_int_equal(MSR_IA32_MTRR_PHYSMASK(7), 0x20f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_reason_names),
		cmocka_unit_test(test_exit_reason_numbers),
		cmocka_unit_test(test_instruction_errors),
		cmocka_unit_test(test_vmcs_encodings),
		cmocka_unit_test(test_qualification_and_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
