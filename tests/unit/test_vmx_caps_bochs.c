/* vmx_caps_decode and vmx_adjust_controls on the capability MSRs of real Bochs
 * 2.7 CPU models.
 *
 * Input data: the raw values the hypervisor printed in its two `vmx-msrs:`
 * boot lines, captured with
 *     tools/hvrun --cpu MODEL --cmdline spp=off
 * (vmx/vmx_setup.c, vmx_report_caps).  BASIC bit 55 is set on every model, so
 * the pin/proc/exit/entry values printed are the TRUE_* MSRs (0x48d-0x490);
 * the plain ones were not printed and are left 0 here, which also proves the
 * decoder reads the TRUE ones.
 *
 * Expected results: the feature table of /work/shared/PLATFORM.md, and the
 * SDM's encodings (Vol. 3D appendix A) for everything that table does not
 * list.  Nothing below is copied from the decoder's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/errno.h"
#include "vmx/vmx_caps.h"

struct bochs_model {
	const char *name;
	/* As printed: basic pin proc proc2 exit entry / ept_vpid_cap misc
	 * cr0_fixed0 cr0_fixed1 cr4_fixed0 cr4_fixed1. */
	uint64_t basic, pin, proc, proc2, exit, entry;
	uint64_t ept_vpid_cap, misc, cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	/* PLATFORM.md's table. */
	bool ept, ug, mtf, spp;
};

static const struct bochs_model bochs_models[] = {
	/* cpu: model=tigerlake */
	{ "tigerlake",
	  0x1d8100000000004, 0x7f00000016, 0xfff9fffe04006172, 0x2977fff00000000,
	  0x107fffff00036dfb, 0x10ffff000011fb,
	  0xf0106b34141, 0x600401e0, 0x80000021, 0xffffffff, 0x2000, 0xf72fff,
	  true, true, true, true },
	/* cpu: model=corei7_icelake_u */
	{ "corei7_icelake_u",
	  0xd8100000000004, 0x7f00000016, 0xfff9fffe04006172, 0x2977fff00000000,
	  0x7fffff00036dfb, 0xffff000011fb,
	  0xf0106334141, 0x600401e0, 0x80000021, 0xffffffff, 0x2000, 0x772fff,
	  true, true, true, true },
	/* cpu: model=corei7_skylake_x */
	{ "corei7_skylake_x",
	  0xd810000000002b, 0x7f00000016, 0xf7f9fffe04006172, 0x2177fff00000000,
	  0x7fffff00036dfb, 0xffff000011fb,
	  0xf0106334141, 0x600401e0, 0x80000021, 0xffffffff, 0x2000, 0x3727ff,
	  true, true, false, false },
	/* cpu: model=corei7_haswell_4770 */
	{ "corei7_haswell_4770",
	  0xd810000000002b, 0x7f00000016, 0xf7f9fffe04006172, 0x47fff00000000,
	  0x7fffff00036dfb, 0xffff000011fb,
	  0xf0106334141, 0x200401e0, 0x80000021, 0xffffffff, 0x2000, 0x1727ff,
	  true, true, false, false },
	/* cpu: model=bx_generic (VMX without EPT; EPT_VPID_CAP not read: 0) */
	{ "bx_generic",
	  0xd810000000002b, 0x3f00000016, 0xf7f9fffe04006172, 0x4900000000,
	  0x3efff00036dfb, 0x1fff000011fb,
	  0x0, 0x401e0, 0x80000021, 0xffffffff, 0x2000, 0x27ff,
	  false, false, false, false },
};

#define NMODELS (sizeof(bochs_models) / sizeof(bochs_models[0]))

static uint32_t allowed0(uint64_t msr)
{
	return (uint32_t)msr;
}

static uint32_t allowed1(uint64_t msr)
{
	return (uint32_t)(msr >> 32);
}

/* What vmx_probe reads: PROCBASED_CTLS2 only when primary allowed-1 bit 31
 * is set (SDM Vol. 3D A.3.3), EPT_VPID_CAP only when EPT or VPID may be
 * enabled (A.10), the TRUE MSRs only with BASIC bit 55 (A.1). */
static struct vmx_msr_values bochs_msrs(const struct bochs_model *b)
{
	struct vmx_msr_values m;

	memset(&m, 0, sizeof(m));
	m.basic = b->basic;
	m.has_true = b->basic & VMX_BASIC_TRUE_CTLS;
	m.true_pinbased = b->pin;
	m.true_procbased = b->proc;
	m.true_exit = b->exit;
	m.true_entry = b->entry;
	m.misc = b->misc;
	m.cr0_fixed0 = b->cr0_fixed0;
	m.cr0_fixed1 = b->cr0_fixed1;
	m.cr4_fixed0 = b->cr4_fixed0;
	m.cr4_fixed1 = b->cr4_fixed1;
	m.has_procbased2 = allowed1(b->proc) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	m.procbased2 = b->proc2;
	m.has_ept_vpid_cap = m.has_procbased2 &&
		(allowed1(b->proc2) & (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID));
	m.ept_vpid_cap = b->ept_vpid_cap;
	return m;
}

/* Facts PLATFORM.md states for every model; they check the input data. */
static void test_input_matches_platform_facts(void **state)
{
	(void)state;
	for (size_t i = 0; i < NMODELS; i++) {
		const struct bochs_model *b = &bochs_models[i];

		print_message("model %s\n", b->name);
		assert_true(b->basic & VMX_BASIC_TRUE_CTLS);
		assert_true(b->cr0_fixed0 == 0x80000021);
		assert_true(b->cr4_fixed0 == 0x2000);
		assert_false(b->ept_vpid_cap & VMX_EPT_ADVANCED_EXIT_INFO);
		/* A capability MSR never demands a bit it does not allow. */
		assert_int_equal(allowed0(b->pin) & ~allowed1(b->pin), 0);
		assert_int_equal(allowed0(b->proc) & ~allowed1(b->proc), 0);
		assert_int_equal(allowed0(b->proc2) & ~allowed1(b->proc2), 0);
		assert_int_equal(allowed0(b->exit) & ~allowed1(b->exit), 0);
		assert_int_equal(allowed0(b->entry) & ~allowed1(b->entry), 0);
		/* SDM Vol. 3D A.3.2: the TRUE MSR may allow CR3-load/store exiting
		 * to be 0; every other default-1 bit stays 1. */
		assert_int_equal(allowed0(b->proc),
				 VMX_PROCBASED_DEFAULT1 & ~(CPU_BASED_CR3_LOAD_EXITING |
							    CPU_BASED_CR3_STORE_EXITING));
		assert_int_equal(allowed0(b->pin), VMX_PINBASED_DEFAULT1);
	}
}

static void test_decode_bochs_models(void **state)
{
	(void)state;
	for (size_t i = 0; i < NMODELS; i++) {
		const struct bochs_model *b = &bochs_models[i];
		struct vmx_msr_values m = bochs_msrs(b);
		struct vmx_caps c;

		print_message("model %s\n", b->name);
		memset(&c, 0xa5, sizeof(c));
		vmx_caps_decode(&m, &c);
		/* PLATFORM.md's columns. */
		assert_int_equal(c.ept, b->ept);
		assert_int_equal(c.unrestricted_guest, b->ug);
		assert_int_equal(c.mtf, b->mtf);
		assert_int_equal(c.spp, b->spp);
		assert_int_equal(c.vpid, b->ept);
		assert_int_equal(c.ept_2m, b->ept);
		assert_int_equal(c.ept_1g, b->ept);
		assert_int_equal(c.ept_ad, b->ept);
		/* What hv_check_cpu requires besides EPT and unrestricted guest. */
		assert_int_equal(c.ept_4level, b->ept);
		assert_int_equal(c.ept_wb, b->ept);
		assert_int_equal(c.invept_single, b->ept);
		assert_int_equal(c.invept_all, b->ept);
		assert_int_equal(c.invvpid, b->ept);
		assert_true(c.true_ctls);
		assert_true(c.secondary);
		assert_true(c.msr_bitmaps && c.io_bitmaps);
		assert_true(c.proc_msr == b->proc && c.pin_msr == b->pin);
		assert_true(c.exit_msr == b->exit && c.entry_msr == b->entry);
		assert_true(c.proc2_msr == b->proc2);
		/* BASIC (SDM Vol. 3D A.1): 4 KiB VMCS region, write-back. */
		assert_int_equal(c.vmcs_size, 4096);
		assert_int_equal(c.mem_type, X86_MEMTYPE_WB);
		assert_int_equal(c.vmcs_revision, (uint32_t)(b->basic & 0x7fffffff));
		/* MISC bits 24:16 (A.6): Bochs offers 4 CR3-target values. */
		assert_int_equal(c.cr3_targets, 4);
	}
}

/* Real-model differences the constructed table in test_vmx_caps.c does not
 * have: XSAVES came with Skylake (none on Haswell); Bochs's bx_generic has no
 * EFER/PAT load or save controls and no preemption timer. */
static void test_decode_model_details(void **state)
{
	struct vmx_msr_values m;
	struct vmx_caps c;

	(void)state;
	for (size_t i = 0; i < NMODELS; i++) {
		const struct bochs_model *b = &bochs_models[i];
		bool haswell = !strcmp(b->name, "corei7_haswell_4770");
		bool generic = !strcmp(b->name, "bx_generic");

		print_message("model %s\n", b->name);
		m = bochs_msrs(b);
		vmx_caps_decode(&m, &c);
		assert_int_equal(c.xsaves, !haswell && !generic);
		assert_int_equal(c.exit_load_efer, !generic);
		assert_int_equal(c.exit_save_efer, !generic);
		assert_int_equal(c.entry_load_efer, !generic);
		/* Pin allowed-1 0x7f vs 0x3f: bit 6, the preemption timer. */
		assert_int_equal(c.preemption_timer, !generic);
		assert_true(c.rdtscp);
	}
}

/* The controls vmx/vmx_vmcs.c asks for, on each model. */
#define HV_PROC_REQ (CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_USE_IO_BITMAPS | \
		     CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
#define HV_PROC2_REQ (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST)
#define HV_PROC2_OPT (SECONDARY_EXEC_ENABLE_RDTSCP | SECONDARY_EXEC_ENABLE_INVPCID | \
		      SECONDARY_EXEC_ENABLE_XSAVES)
#define HV_EXIT_OPT (VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER | \
		     VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT)
#define HV_ENTRY_OPT (VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT)

/* A value the processor accepts: every must-be-one bit set, no bit set that
 * may not be (SDM Vol. 3D A.3). */
static void assert_valid_control(uint32_t value, uint64_t msr)
{
	assert_int_equal(value & allowed0(msr), allowed0(msr));
	assert_int_equal(value & ~allowed1(msr), 0);
}

static void test_adjust_hypervisor_controls(void **state)
{
	struct vmx_ctl_result r;

	(void)state;
	for (size_t i = 0; i < NMODELS; i++) {
		const struct bochs_model *b = &bochs_models[i];

		print_message("model %s\n", b->name);
		assert_int_equal(vmx_adjust_controls(0, 0, b->pin, &r), 0);
		assert_int_equal(r.value, VMX_PINBASED_DEFAULT1);
		assert_valid_control(r.value, b->pin);

		/* The TRUE MSR lets the guest own CR3: no CR3 exiting. */
		assert_int_equal(vmx_adjust_controls(HV_PROC_REQ, 0, b->proc, &r), 0);
		assert_int_equal(r.value, HV_PROC_REQ | (VMX_PROCBASED_DEFAULT1 &
			~(CPU_BASED_CR3_LOAD_EXITING | CPU_BASED_CR3_STORE_EXITING)));
		assert_false(r.value & (CPU_BASED_CR3_LOAD_EXITING | CPU_BASED_CR3_STORE_EXITING));
		assert_valid_control(r.value, b->proc);

		/* test-unhandled-exit adds HLT exiting: offered everywhere. */
		assert_int_equal(vmx_adjust_controls(HV_PROC_REQ | CPU_BASED_HLT_EXITING, 0,
						     b->proc, &r), 0);
		assert_true(r.value & CPU_BASED_HLT_EXITING);

		if (b->ept) {
			uint32_t want_opt = HV_PROC2_OPT;

			if (!strcmp(b->name, "corei7_haswell_4770"))
				want_opt &= ~SECONDARY_EXEC_ENABLE_XSAVES;
			assert_int_equal(vmx_adjust_controls(HV_PROC2_REQ, HV_PROC2_OPT,
							     b->proc2, &r), 0);
			assert_int_equal(r.value, HV_PROC2_REQ | want_opt);
			assert_int_equal(r.dropped, HV_PROC2_OPT & ~want_opt);
			assert_int_equal(r.missing, 0);
		} else {
			/* bx_generic: refused, naming EPT and unrestricted guest. */
			assert_int_equal(vmx_adjust_controls(HV_PROC2_REQ, HV_PROC2_OPT,
							     b->proc2, &r), -ENOTSUP);
			assert_int_equal(r.missing, HV_PROC2_REQ);
		}
		assert_valid_control(r.value, b->proc2);

		assert_int_equal(vmx_adjust_controls(VM_EXIT_HOST_ADDR_SPACE_SIZE, HV_EXIT_OPT,
						     b->exit, &r), 0);
		assert_true(r.value & VM_EXIT_HOST_ADDR_SPACE_SIZE);
		assert_int_equal(r.dropped, b->ept ? 0 : HV_EXIT_OPT);
		assert_valid_control(r.value, b->exit);

		assert_int_equal(vmx_adjust_controls(0, HV_ENTRY_OPT, b->entry, &r), 0);
		assert_int_equal(r.dropped, b->ept ? 0 : HV_ENTRY_OPT);
		/* The hypervisor starts guests in 32-bit mode: IA-32e mode guest
		 * must not be forced on. */
		assert_false(r.value & VM_ENTRY_IA32E_MODE);
		assert_valid_control(r.value, b->entry);
	}
}

/* spp=hw and the SPP window: the sub-page control and MTF as requirements. */
static void test_adjust_spp_and_mtf(void **state)
{
	struct vmx_ctl_result r;

	(void)state;
	for (size_t i = 0; i < NMODELS; i++) {
		const struct bochs_model *b = &bochs_models[i];
		int want_spp = b->spp ? 0 : -ENOTSUP;
		int want_mtf = b->mtf ? 0 : -ENOTSUP;

		print_message("model %s\n", b->name);
		assert_int_equal(vmx_adjust_controls(HV_PROC2_REQ | SECONDARY_EXEC_EPT_SPP, 0,
						     b->proc2, &r), b->ept ? want_spp : -ENOTSUP);
		assert_int_equal(!!(r.missing & SECONDARY_EXEC_EPT_SPP), !b->spp);
		assert_int_equal(!!(r.value & SECONDARY_EXEC_EPT_SPP), b->spp);

		assert_int_equal(vmx_adjust_controls(HV_PROC_REQ | CPU_BASED_MONITOR_TRAP_FLAG, 0,
						     b->proc, &r), want_mtf);
		assert_int_equal(r.missing, b->mtf ? 0 : CPU_BASED_MONITOR_TRAP_FLAG);
		/* Optional MTF is dropped, never an error. */
		assert_int_equal(vmx_adjust_controls(HV_PROC_REQ, CPU_BASED_MONITOR_TRAP_FLAG,
						     b->proc, &r), 0);
		assert_int_equal(r.dropped, b->mtf ? 0 : CPU_BASED_MONITOR_TRAP_FLAG);
	}
}

/* The report line `vmx-caps:` starts with the four features the boot test
 * reads, in this order. */
static void test_report_on_bochs_models(void **state)
{
	static const char *const first[] = { "EPT", "unrestricted-guest", "MTF", "SPP" };
	struct vmx_cap_item items[VMX_CAPS_REPORT_MAX];

	(void)state;
	for (size_t i = 0; i < NMODELS; i++) {
		const struct bochs_model *b = &bochs_models[i];
		struct vmx_msr_values m = bochs_msrs(b);
		struct vmx_caps c;
		const bool want[] = { b->ept, b->ug, b->mtf, b->spp };

		vmx_caps_decode(&m, &c);
		assert_int_equal(vmx_caps_report(&c, items, VMX_CAPS_REPORT_MAX),
				 VMX_CAPS_REPORT_MAX);
		for (size_t k = 0; k < 4; k++) {
			assert_string_equal(items[k].name, first[k]);
			assert_int_equal(items[k].present, want[k]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_matches_platform_facts),
		cmocka_unit_test(test_decode_bochs_models),
		cmocka_unit_test(test_decode_model_details),
		cmocka_unit_test(test_adjust_hypervisor_controls),
		cmocka_unit_test(test_adjust_spp_and_mtf),
		cmocka_unit_test(test_report_on_bochs_models),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
