/* VMX architecture constants: MSRs, control-register and flag bits, VMCS field
 * encodings, VM-execution/exit/entry control bits, exit reasons and the formats
 * of exit-information fields.  Intel SDM Vol. 3C chapters 24-27 and 31, Vol. 3D
 * appendices A-C.  Constants only; usable from C, .S files and host tests. */
#ifndef VMX_VMX_DEFS_H
#define VMX_VMX_DEFS_H

#ifdef __ASSEMBLER__
#define VMX_U32(x) x
#define VMX_U64(x) x
#else
#define VMX_U32(x) x##u
#define VMX_U64(x) x##ull
#endif
/* Control-register, EFER and RFLAGS masks are 64-bit so that ~mask clears only
 * the named bit of a 64-bit register; VMX controls are 32-bit fields. */
#define VMX_BIT32(n) (VMX_U32(1) << (n))
#define VMX_BIT64(n) (VMX_U64(1) << (n))

/* ---- MSRs (SDM Vol. 4 table 2-2; VMX capability MSRs: Vol. 3D appendix A) */
#define MSR_IA32_FEATURE_CONTROL      0x3A
#define FEATURE_CONTROL_LOCKED            VMX_BIT64(0)
#define FEATURE_CONTROL_VMXON_INSIDE_SMX  VMX_BIT64(1)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX VMX_BIT64(2)

#define MSR_IA32_VMX_BASIC            0x480
#define MSR_IA32_VMX_PINBASED_CTLS    0x481
#define MSR_IA32_VMX_PROCBASED_CTLS   0x482
#define MSR_IA32_VMX_EXIT_CTLS        0x483
#define MSR_IA32_VMX_ENTRY_CTLS       0x484
#define MSR_IA32_VMX_MISC             0x485
#define MSR_IA32_VMX_CR0_FIXED0       0x486
#define MSR_IA32_VMX_CR0_FIXED1       0x487
#define MSR_IA32_VMX_CR4_FIXED0       0x488
#define MSR_IA32_VMX_CR4_FIXED1       0x489
#define MSR_IA32_VMX_VMCS_ENUM        0x48A
#define MSR_IA32_VMX_PROCBASED_CTLS2  0x48B
#define MSR_IA32_VMX_EPT_VPID_CAP     0x48C
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x48D
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48E
#define MSR_IA32_VMX_TRUE_EXIT_CTLS   0x48F
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS  0x490
#define MSR_IA32_VMX_VMFUNC           0x491
#define MSR_IA32_VMX_PROCBASED_CTLS3  0x492

#define MSR_IA32_SYSENTER_CS          0x174
#define MSR_IA32_SYSENTER_ESP         0x175
#define MSR_IA32_SYSENTER_EIP         0x176
#define MSR_IA32_DEBUGCTL             0x1D9
#define MSR_IA32_PAT                  0x277
#define MSR_IA32_EFER                 0xC0000080
#define MSR_IA32_FS_BASE              0xC0000100
#define MSR_IA32_GS_BASE              0xC0000101
#define MSR_IA32_KERNEL_GS_BASE       0xC0000102

/* MTRRs: SDM Vol. 3A section 12.11 (11.11 in older editions). */
#define MSR_IA32_MTRRCAP              0xFE
#define MTRRCAP_VCNT_MASK             VMX_U64(0xff)
#define MTRRCAP_FIX                   VMX_BIT64(8)
#define MTRRCAP_WC                    VMX_BIT64(10)
#define MTRRCAP_SMRR                  VMX_BIT64(11)
#define MSR_IA32_MTRR_DEF_TYPE        0x2FF
#define MTRR_DEF_TYPE_TYPE_MASK       VMX_U64(0xff)
#define MTRR_DEF_TYPE_FE              VMX_BIT64(10)
#define MTRR_DEF_TYPE_E               VMX_BIT64(11)
#define MSR_IA32_MTRR_PHYSBASE(n)     (0x200 + 2 * (n))
#define MSR_IA32_MTRR_PHYSMASK(n)     (0x201 + 2 * (n))
#define MTRR_PHYSMASK_VALID           VMX_BIT64(11)
#define MSR_IA32_MTRR_FIX64K_00000    0x250
#define MSR_IA32_MTRR_FIX16K_80000    0x258
#define MSR_IA32_MTRR_FIX16K_A0000    0x259
#define MSR_IA32_MTRR_FIX4K_C0000     0x268
#define MSR_IA32_MTRR_FIX4K_C8000     0x269
#define MSR_IA32_MTRR_FIX4K_D0000     0x26A
#define MSR_IA32_MTRR_FIX4K_D8000     0x26B
#define MSR_IA32_MTRR_FIX4K_E0000     0x26C
#define MSR_IA32_MTRR_FIX4K_E8000     0x26D
#define MSR_IA32_MTRR_FIX4K_F0000     0x26E
#define MSR_IA32_MTRR_FIX4K_F8000     0x26F

/* Memory types shared by MTRRs, PAT, EPT and IA32_VMX_BASIC[53:50]. */
#define X86_MEMTYPE_UC 0
#define X86_MEMTYPE_WC 1
#define X86_MEMTYPE_WT 4
#define X86_MEMTYPE_WP 5
#define X86_MEMTYPE_WB 6

/* ---- Control registers, EFER, RFLAGS (SDM Vol. 3A sections 2.5, 2.2.1, 2.3) */
#define X86_CR0_PE   VMX_BIT64(0)
#define X86_CR0_MP   VMX_BIT64(1)
#define X86_CR0_EM   VMX_BIT64(2)
#define X86_CR0_TS   VMX_BIT64(3)
#define X86_CR0_ET   VMX_BIT64(4)
#define X86_CR0_NE   VMX_BIT64(5)
#define X86_CR0_WP   VMX_BIT64(16)
#define X86_CR0_AM   VMX_BIT64(18)
#define X86_CR0_NW   VMX_BIT64(29)
#define X86_CR0_CD   VMX_BIT64(30)
#define X86_CR0_PG   VMX_BIT64(31)

#define X86_CR4_VME        VMX_BIT64(0)
#define X86_CR4_PVI        VMX_BIT64(1)
#define X86_CR4_TSD        VMX_BIT64(2)
#define X86_CR4_DE         VMX_BIT64(3)
#define X86_CR4_PSE        VMX_BIT64(4)
#define X86_CR4_PAE        VMX_BIT64(5)
#define X86_CR4_MCE        VMX_BIT64(6)
#define X86_CR4_PGE        VMX_BIT64(7)
#define X86_CR4_PCE        VMX_BIT64(8)
#define X86_CR4_OSFXSR     VMX_BIT64(9)
#define X86_CR4_OSXMMEXCPT VMX_BIT64(10)
#define X86_CR4_UMIP       VMX_BIT64(11)
#define X86_CR4_LA57       VMX_BIT64(12)
#define X86_CR4_VMXE       VMX_BIT64(13)
#define X86_CR4_SMXE       VMX_BIT64(14)
#define X86_CR4_FSGSBASE   VMX_BIT64(16)
#define X86_CR4_PCIDE      VMX_BIT64(17)
#define X86_CR4_OSXSAVE    VMX_BIT64(18)
#define X86_CR4_SMEP       VMX_BIT64(20)
#define X86_CR4_SMAP       VMX_BIT64(21)
#define X86_CR4_PKE        VMX_BIT64(22)
#define X86_CR4_CET        VMX_BIT64(23)
#define X86_CR4_PKS        VMX_BIT64(24)

#define X86_EFER_SCE  VMX_BIT64(0)
#define X86_EFER_LME  VMX_BIT64(8)
#define X86_EFER_LMA  VMX_BIT64(10)
#define X86_EFER_NXE  VMX_BIT64(11)

#define X86_RFLAGS_CF     VMX_BIT64(0)
#define X86_RFLAGS_FIXED  VMX_BIT64(1)	/* reserved, always 1 */
#define X86_RFLAGS_PF     VMX_BIT64(2)
#define X86_RFLAGS_AF     VMX_BIT64(4)
#define X86_RFLAGS_ZF     VMX_BIT64(6)
#define X86_RFLAGS_SF     VMX_BIT64(7)
#define X86_RFLAGS_TF     VMX_BIT64(8)
#define X86_RFLAGS_IF     VMX_BIT64(9)
#define X86_RFLAGS_DF     VMX_BIT64(10)
#define X86_RFLAGS_OF     VMX_BIT64(11)
#define X86_RFLAGS_IOPL   (VMX_U64(3) << 12)
#define X86_RFLAGS_NT     VMX_BIT64(14)
#define X86_RFLAGS_RF     VMX_BIT64(16)
#define X86_RFLAGS_VM     VMX_BIT64(17)
#define X86_RFLAGS_AC     VMX_BIT64(18)
#define X86_RFLAGS_VIF    VMX_BIT64(19)
#define X86_RFLAGS_VIP    VMX_BIT64(20)
#define X86_RFLAGS_ID     VMX_BIT64(21)

/* ---- Capability MSR layouts (SDM Vol. 3D appendix A) */
#define VMX_BASIC_REVISION_MASK   VMX_U64(0x7fffffff)
#define VMX_BASIC_SIZE_SHIFT      32
#define VMX_BASIC_SIZE_MASK       VMX_U64(0x1fff)
#define VMX_BASIC_32BIT_ADDR      VMX_BIT64(48)
#define VMX_BASIC_DUAL_MONITOR    VMX_BIT64(49)
#define VMX_BASIC_MEM_TYPE_SHIFT  50
#define VMX_BASIC_MEM_TYPE_MASK   VMX_U64(0xf)
#define VMX_BASIC_INOUT           VMX_BIT64(54)
#define VMX_BASIC_TRUE_CTLS       VMX_BIT64(55)
#define VMX_BASIC_NO_HW_ERRCODE_CHECK VMX_BIT64(56)

#define VMX_MISC_PREEMPTION_RATE_MASK VMX_U64(0x1f)
#define VMX_MISC_SAVE_EFER_LMA    VMX_BIT64(5)
#define VMX_MISC_ACTIVITY_HLT     VMX_BIT64(6)
#define VMX_MISC_ACTIVITY_SHUTDOWN VMX_BIT64(7)
#define VMX_MISC_ACTIVITY_WAIT_SIPI VMX_BIT64(8)
#define VMX_MISC_CR3_TARGETS_SHIFT 16
#define VMX_MISC_CR3_TARGETS_MASK VMX_U64(0x1ff)
#define VMX_MISC_MSR_LIST_SHIFT   25	/* max list = 512 * (N + 1) */
#define VMX_MISC_MSR_LIST_MASK    VMX_U64(0x7)
#define VMX_MISC_VMWRITE_ANY      VMX_BIT64(29)

/* IA32_VMX_EPT_VPID_CAP: SDM Vol. 3D appendix A.10. */
#define VMX_EPT_EXEC_ONLY         VMX_BIT64(0)
#define VMX_EPT_PWL4              VMX_BIT64(6)
#define VMX_EPT_PWL5              VMX_BIT64(7)
#define VMX_EPT_MEMTYPE_UC        VMX_BIT64(8)
#define VMX_EPT_MEMTYPE_WB        VMX_BIT64(14)
#define VMX_EPT_2MB_PAGE          VMX_BIT64(16)
#define VMX_EPT_1GB_PAGE          VMX_BIT64(17)
#define VMX_EPT_INVEPT            VMX_BIT64(20)
#define VMX_EPT_AD                VMX_BIT64(21)
#define VMX_EPT_ADVANCED_EXIT_INFO VMX_BIT64(22)
#define VMX_EPT_INVEPT_SINGLE     VMX_BIT64(25)
#define VMX_EPT_INVEPT_ALL        VMX_BIT64(26)
#define VMX_VPID_INVVPID          VMX_BIT64(32)
#define VMX_VPID_INVVPID_ADDR     VMX_BIT64(40)
#define VMX_VPID_INVVPID_SINGLE   VMX_BIT64(41)
#define VMX_VPID_INVVPID_ALL      VMX_BIT64(42)
#define VMX_VPID_INVVPID_SINGLE_NONGLOBAL VMX_BIT64(43)

/* ---- VM-execution, exit and entry controls (SDM Vol. 3C 25.6-25.8) */
#define PIN_BASED_EXT_INTR_MASK           VMX_BIT32(0)
#define PIN_BASED_NMI_EXITING             VMX_BIT32(3)
#define PIN_BASED_VIRTUAL_NMIS            VMX_BIT32(5)
#define PIN_BASED_VMX_PREEMPTION_TIMER    VMX_BIT32(6)
#define PIN_BASED_POSTED_INTR             VMX_BIT32(7)

#define CPU_BASED_INTR_WINDOW_EXITING     VMX_BIT32(2)
#define CPU_BASED_USE_TSC_OFFSETTING      VMX_BIT32(3)
#define CPU_BASED_HLT_EXITING             VMX_BIT32(7)
#define CPU_BASED_INVLPG_EXITING          VMX_BIT32(9)
#define CPU_BASED_MWAIT_EXITING           VMX_BIT32(10)
#define CPU_BASED_RDPMC_EXITING           VMX_BIT32(11)
#define CPU_BASED_RDTSC_EXITING           VMX_BIT32(12)
#define CPU_BASED_CR3_LOAD_EXITING        VMX_BIT32(15)
#define CPU_BASED_CR3_STORE_EXITING       VMX_BIT32(16)
#define CPU_BASED_ACTIVATE_TERTIARY_CONTROLS VMX_BIT32(17)
#define CPU_BASED_CR8_LOAD_EXITING        VMX_BIT32(19)
#define CPU_BASED_CR8_STORE_EXITING       VMX_BIT32(20)
#define CPU_BASED_TPR_SHADOW              VMX_BIT32(21)
#define CPU_BASED_NMI_WINDOW_EXITING      VMX_BIT32(22)
#define CPU_BASED_MOV_DR_EXITING          VMX_BIT32(23)
#define CPU_BASED_UNCOND_IO_EXITING       VMX_BIT32(24)
#define CPU_BASED_USE_IO_BITMAPS          VMX_BIT32(25)
#define CPU_BASED_MONITOR_TRAP_FLAG       VMX_BIT32(27)
#define CPU_BASED_USE_MSR_BITMAPS         VMX_BIT32(28)
#define CPU_BASED_MONITOR_EXITING         VMX_BIT32(29)
#define CPU_BASED_PAUSE_EXITING           VMX_BIT32(30)
#define CPU_BASED_ACTIVATE_SECONDARY_CONTROLS VMX_BIT32(31)

#define SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES VMX_BIT32(0)
#define SECONDARY_EXEC_ENABLE_EPT         VMX_BIT32(1)
#define SECONDARY_EXEC_DESC               VMX_BIT32(2)
#define SECONDARY_EXEC_ENABLE_RDTSCP      VMX_BIT32(3)
#define SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE VMX_BIT32(4)
#define SECONDARY_EXEC_ENABLE_VPID        VMX_BIT32(5)
#define SECONDARY_EXEC_WBINVD_EXITING     VMX_BIT32(6)
#define SECONDARY_EXEC_UNRESTRICTED_GUEST VMX_BIT32(7)
#define SECONDARY_EXEC_APIC_REGISTER_VIRT VMX_BIT32(8)
#define SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY VMX_BIT32(9)
#define SECONDARY_EXEC_PAUSE_LOOP_EXITING VMX_BIT32(10)
#define SECONDARY_EXEC_RDRAND_EXITING     VMX_BIT32(11)
#define SECONDARY_EXEC_ENABLE_INVPCID     VMX_BIT32(12)
#define SECONDARY_EXEC_ENABLE_VMFUNC      VMX_BIT32(13)
#define SECONDARY_EXEC_SHADOW_VMCS        VMX_BIT32(14)
#define SECONDARY_EXEC_ENCLS_EXITING      VMX_BIT32(15)
#define SECONDARY_EXEC_RDSEED_EXITING     VMX_BIT32(16)
#define SECONDARY_EXEC_ENABLE_PML         VMX_BIT32(17)
#define SECONDARY_EXEC_EPT_VIOLATION_VE   VMX_BIT32(18)
#define SECONDARY_EXEC_PT_CONCEAL_VMX     VMX_BIT32(19)
#define SECONDARY_EXEC_ENABLE_XSAVES      VMX_BIT32(20)
#define SECONDARY_EXEC_MODE_BASED_EPT_EXEC VMX_BIT32(22)
#define SECONDARY_EXEC_EPT_SPP            VMX_BIT32(23)
#define SECONDARY_EXEC_PT_USE_GPA         VMX_BIT32(24)
#define SECONDARY_EXEC_TSC_SCALING        VMX_BIT32(25)
#define SECONDARY_EXEC_ENABLE_USR_WAIT_PAUSE VMX_BIT32(26)
#define SECONDARY_EXEC_ENABLE_PCONFIG     VMX_BIT32(27)
#define SECONDARY_EXEC_ENCLV_EXITING      VMX_BIT32(28)
#define SECONDARY_EXEC_BUS_LOCK_DETECTION VMX_BIT32(30)
#define SECONDARY_EXEC_NOTIFY_VM_EXITING  VMX_BIT32(31)

#define VM_EXIT_SAVE_DEBUG_CONTROLS       VMX_BIT32(2)
#define VM_EXIT_HOST_ADDR_SPACE_SIZE      VMX_BIT32(9)
#define VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL VMX_BIT32(12)
#define VM_EXIT_ACK_INTR_ON_EXIT          VMX_BIT32(15)
#define VM_EXIT_SAVE_IA32_PAT             VMX_BIT32(18)
#define VM_EXIT_LOAD_IA32_PAT             VMX_BIT32(19)
#define VM_EXIT_SAVE_IA32_EFER            VMX_BIT32(20)
#define VM_EXIT_LOAD_IA32_EFER            VMX_BIT32(21)
#define VM_EXIT_SAVE_VMX_PREEMPTION_TIMER VMX_BIT32(22)
#define VM_EXIT_CLEAR_BNDCFGS             VMX_BIT32(23)
#define VM_EXIT_PT_CONCEAL_PIP            VMX_BIT32(24)
#define VM_EXIT_CLEAR_IA32_RTIT_CTL       VMX_BIT32(25)
#define VM_EXIT_CLEAR_IA32_LBR_CTL        VMX_BIT32(26)
#define VM_EXIT_CLEAR_UINV                VMX_BIT32(27)
#define VM_EXIT_LOAD_CET_STATE            VMX_BIT32(28)
#define VM_EXIT_LOAD_IA32_PKRS            VMX_BIT32(29)
#define VM_EXIT_SAVE_IA32_PERF_GLOBAL_CTRL VMX_BIT32(30)
#define VM_EXIT_ACTIVATE_SECONDARY_CONTROLS VMX_BIT32(31)

#define VM_ENTRY_LOAD_DEBUG_CONTROLS      VMX_BIT32(2)
#define VM_ENTRY_IA32E_MODE               VMX_BIT32(9)
#define VM_ENTRY_SMM                      VMX_BIT32(10)
#define VM_ENTRY_DEACT_DUAL_MONITOR       VMX_BIT32(11)
#define VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL VMX_BIT32(13)
#define VM_ENTRY_LOAD_IA32_PAT            VMX_BIT32(14)
#define VM_ENTRY_LOAD_IA32_EFER           VMX_BIT32(15)
#define VM_ENTRY_LOAD_BNDCFGS             VMX_BIT32(16)
#define VM_ENTRY_PT_CONCEAL_PIP           VMX_BIT32(17)
#define VM_ENTRY_LOAD_IA32_RTIT_CTL       VMX_BIT32(18)
#define VM_ENTRY_LOAD_UINV                VMX_BIT32(19)
#define VM_ENTRY_LOAD_CET_STATE           VMX_BIT32(20)
#define VM_ENTRY_LOAD_IA32_LBR_CTL        VMX_BIT32(21)
#define VM_ENTRY_LOAD_IA32_PKRS           VMX_BIT32(22)

/* "Default1" bits of the non-TRUE capability MSRs (SDM Vol. 3D A.2): reserved
 * bits that must be 1 without TRUE controls. */
#define VMX_PINBASED_DEFAULT1   VMX_U32(0x00000016)
#define VMX_PROCBASED_DEFAULT1  VMX_U32(0x0401e172)
#define VMX_EXIT_DEFAULT1       VMX_U32(0x00036dff)
#define VMX_ENTRY_DEFAULT1      VMX_U32(0x000011ff)

/* ---- Basic exit reasons (SDM Vol. 3D appendix C) */
#define EXIT_REASON_EXCEPTION_NMI        0
#define EXIT_REASON_EXTERNAL_INTERRUPT   1
#define EXIT_REASON_TRIPLE_FAULT         2
#define EXIT_REASON_INIT_SIGNAL          3
#define EXIT_REASON_SIPI_SIGNAL          4
#define EXIT_REASON_IO_SMI               5
#define EXIT_REASON_OTHER_SMI            6
#define EXIT_REASON_INTERRUPT_WINDOW     7
#define EXIT_REASON_NMI_WINDOW           8
#define EXIT_REASON_TASK_SWITCH          9
#define EXIT_REASON_CPUID                10
#define EXIT_REASON_GETSEC               11
#define EXIT_REASON_HLT                  12
#define EXIT_REASON_INVD                 13
#define EXIT_REASON_INVLPG               14
#define EXIT_REASON_RDPMC                15
#define EXIT_REASON_RDTSC                16
#define EXIT_REASON_RSM                  17
#define EXIT_REASON_VMCALL               18
#define EXIT_REASON_VMCLEAR              19
#define EXIT_REASON_VMLAUNCH             20
#define EXIT_REASON_VMPTRLD              21
#define EXIT_REASON_VMPTRST              22
#define EXIT_REASON_VMREAD               23
#define EXIT_REASON_VMRESUME             24
#define EXIT_REASON_VMWRITE              25
#define EXIT_REASON_VMXOFF               26
#define EXIT_REASON_VMXON                27
#define EXIT_REASON_CR_ACCESS            28
#define EXIT_REASON_DR_ACCESS            29
#define EXIT_REASON_IO_INSTRUCTION       30
#define EXIT_REASON_MSR_READ             31
#define EXIT_REASON_MSR_WRITE            32
#define EXIT_REASON_INVALID_STATE        33
#define EXIT_REASON_MSR_LOAD_FAIL        34
#define EXIT_REASON_MWAIT_INSTRUCTION    36
#define EXIT_REASON_MONITOR_TRAP_FLAG    37
#define EXIT_REASON_MONITOR_INSTRUCTION  39
#define EXIT_REASON_PAUSE_INSTRUCTION    40
#define EXIT_REASON_MCE_DURING_VMENTRY   41
#define EXIT_REASON_TPR_BELOW_THRESHOLD  43
#define EXIT_REASON_APIC_ACCESS          44
#define EXIT_REASON_EOI_INDUCED          45
#define EXIT_REASON_GDTR_IDTR            46
#define EXIT_REASON_LDTR_TR              47
#define EXIT_REASON_EPT_VIOLATION        48
#define EXIT_REASON_EPT_MISCONFIG        49
#define EXIT_REASON_INVEPT               50
#define EXIT_REASON_RDTSCP               51
#define EXIT_REASON_PREEMPTION_TIMER     52
#define EXIT_REASON_INVVPID              53
#define EXIT_REASON_WBINVD               54
#define EXIT_REASON_XSETBV               55
#define EXIT_REASON_APIC_WRITE           56
#define EXIT_REASON_RDRAND               57
#define EXIT_REASON_INVPCID              58
#define EXIT_REASON_VMFUNC               59
#define EXIT_REASON_ENCLS                60
#define EXIT_REASON_RDSEED               61
#define EXIT_REASON_PML_FULL             62
#define EXIT_REASON_XSAVES               63
#define EXIT_REASON_XRSTORS              64
#define EXIT_REASON_PCONFIG              65
#define EXIT_REASON_SPP                  66
#define EXIT_REASON_UMWAIT               67
#define EXIT_REASON_TPAUSE               68
#define EXIT_REASON_LOADIWKEY            69
#define EXIT_REASON_ENCLV                70
#define EXIT_REASON_SGX_CONFLICT         71
#define EXIT_REASON_ENQCMD_PASID_FAIL    72
#define EXIT_REASON_ENQCMDS_PASID_FAIL   73
#define EXIT_REASON_BUS_LOCK             74
#define EXIT_REASON_NOTIFY               75
#define EXIT_REASON_SEAMCALL             76
#define EXIT_REASON_TDCALL               77
#define EXIT_REASON_RDMSRLIST            78
#define EXIT_REASON_WRMSRLIST            79
#define EXIT_REASON_COUNT                80

/* Exit-reason field layout (SDM Vol. 3C 25.9.1). */
#define VMX_EXIT_REASON_BASIC_MASK       VMX_U32(0xffff)
#define VMX_EXIT_REASON_ENCLAVE          VMX_BIT32(27)
#define VMX_EXIT_REASON_PENDING_MTF      VMX_BIT32(28)
#define VMX_EXIT_REASON_FROM_VMX_ROOT    VMX_BIT32(29)
#define VMX_EXIT_REASON_FAILED_VMENTRY   VMX_BIT32(31)

/* EPT-violation exit qualification (SDM Vol. 3C 28.2.3.2, table 28-7).
 * Bits 3-5 are the permissions of the combined EPT paging-structure entries. */
#define EPT_VIOL_READ                VMX_BIT64(0)
#define EPT_VIOL_WRITE               VMX_BIT64(1)
#define EPT_VIOL_FETCH               VMX_BIT64(2)
#define EPT_VIOL_EPT_READABLE        VMX_BIT64(3)
#define EPT_VIOL_EPT_WRITABLE        VMX_BIT64(4)
#define EPT_VIOL_EPT_EXECUTABLE      VMX_BIT64(5)
#define EPT_VIOL_EPT_USER_EXECUTABLE VMX_BIT64(6)
#define EPT_VIOL_GLA_VALID           VMX_BIT64(7)
/* Only with GLA_VALID: 1 = access to the linear address's final translation,
 * 0 = access to a guest paging-structure entry. */
#define EPT_VIOL_FINAL_TRANSLATION   VMX_BIT64(8)
#define EPT_VIOL_NMI_UNBLOCKING      VMX_BIT64(12)

/* SPP-related event (exit 66) qualification: SDM Vol. 3C 28.3.4. */
#define VMX_SPP_QUAL_SPPT_MISS       VMX_BIT64(11)
#define VMX_SPP_QUAL_NMI_UNBLOCKING  VMX_BIT64(12)

/* Control-register access qualification (SDM Vol. 3C table 28-3). */
#define VMX_CR_QUAL_CR_MASK          VMX_U64(0xf)
#define VMX_CR_QUAL_TYPE_SHIFT       4
#define VMX_CR_QUAL_TYPE_MASK        VMX_U64(0x3)
#define VMX_CR_TYPE_MOV_TO_CR        0
#define VMX_CR_TYPE_MOV_FROM_CR      1
#define VMX_CR_TYPE_CLTS             2
#define VMX_CR_TYPE_LMSW             3
#define VMX_CR_QUAL_GPR_SHIFT        8
#define VMX_CR_QUAL_GPR_MASK         VMX_U64(0xf)

/* I/O-instruction qualification (SDM Vol. 3C table 28-5). */
#define VMX_IO_QUAL_SIZE_MASK        VMX_U64(0x7)	/* size - 1 */
#define VMX_IO_QUAL_IN               VMX_BIT64(3)
#define VMX_IO_QUAL_STRING           VMX_BIT64(4)
#define VMX_IO_QUAL_REP              VMX_BIT64(5)
#define VMX_IO_QUAL_PORT_SHIFT       16

/* VM-entry / VM-exit / IDT-vectoring interruption information
 * (SDM Vol. 3C 25.8.3, 25.9.2, 25.9.3). */
#define INTR_INFO_VECTOR_MASK        VMX_U32(0xff)
#define INTR_INFO_TYPE_SHIFT         8
#define INTR_INFO_TYPE_MASK          VMX_U32(0x700)
#define INTR_INFO_DELIVER_CODE       VMX_BIT32(11)
#define INTR_INFO_NMI_UNBLOCKING     VMX_BIT32(12)
#define INTR_INFO_VALID              VMX_BIT32(31)
#define INTR_TYPE_EXT_INTR           (0 << 8)
#define INTR_TYPE_NMI                (2 << 8)
#define INTR_TYPE_HARD_EXCEPTION     (3 << 8)
#define INTR_TYPE_SOFT_INTR          (4 << 8)
#define INTR_TYPE_PRIV_SW_EXCEPTION  (5 << 8)
#define INTR_TYPE_SOFT_EXCEPTION     (6 << 8)
#define INTR_TYPE_OTHER_EVENT        (7 << 8)

/* Guest interruptibility state (SDM Vol. 3C 25.4.2, table 25-3). */
#define GUEST_INTR_STATE_STI         VMX_BIT32(0)
#define GUEST_INTR_STATE_MOV_SS      VMX_BIT32(1)
#define GUEST_INTR_STATE_SMI         VMX_BIT32(2)
#define GUEST_INTR_STATE_NMI         VMX_BIT32(3)
#define GUEST_INTR_STATE_ENCLAVE     VMX_BIT32(4)

/* Guest activity state (SDM Vol. 3C 25.4.2). */
#define GUEST_ACTIVITY_ACTIVE        0
#define GUEST_ACTIVITY_HLT           1
#define GUEST_ACTIVITY_SHUTDOWN      2
#define GUEST_ACTIVITY_WAIT_SIPI     3

/* Segment access rights as stored in the VMCS (SDM Vol. 3C 25.4.1, table 25-2). */
#define VMX_AR_TYPE_MASK             VMX_U32(0xf)
#define VMX_AR_TYPE_ACCESSED         VMX_BIT32(0)
#define VMX_AR_TYPE_WRITABLE         VMX_BIT32(1)	/* data; readable for code */
#define VMX_AR_TYPE_CODE             VMX_BIT32(3)
#define VMX_AR_TYPE_BUSY_TSS64       VMX_U32(0xb)
#define VMX_AR_TYPE_LDT              VMX_U32(0x2)
#define VMX_AR_S                     VMX_BIT32(4)
#define VMX_AR_DPL_SHIFT             5
#define VMX_AR_DPL_MASK              VMX_U32(0x60)
#define VMX_AR_P                     VMX_BIT32(7)
#define VMX_AR_AVL                   VMX_BIT32(12)
#define VMX_AR_L                     VMX_BIT32(13)
#define VMX_AR_DB                    VMX_BIT32(14)
#define VMX_AR_G                     VMX_BIT32(15)
#define VMX_AR_UNUSABLE              VMX_BIT32(16)

/* VM-instruction error numbers (SDM Vol. 3C 31.4, table 31-1). */
#define VMXERR_VMCALL_IN_VMX_ROOT            1
#define VMXERR_VMCLEAR_INVALID_ADDRESS       2
#define VMXERR_VMCLEAR_VMXON_POINTER         3
#define VMXERR_VMLAUNCH_NONCLEAR_VMCS        4
#define VMXERR_VMRESUME_NONLAUNCHED_VMCS     5
#define VMXERR_VMRESUME_AFTER_VMXOFF         6
#define VMXERR_ENTRY_INVALID_CONTROL_FIELD   7
#define VMXERR_ENTRY_INVALID_HOST_STATE_FIELD 8
#define VMXERR_VMPTRLD_INVALID_ADDRESS       9
#define VMXERR_VMPTRLD_VMXON_POINTER         10
#define VMXERR_VMPTRLD_INCORRECT_REVISION_ID 11
#define VMXERR_UNSUPPORTED_VMCS_COMPONENT    12
#define VMXERR_VMWRITE_READ_ONLY_COMPONENT   13
#define VMXERR_VMXON_IN_VMX_ROOT             15
#define VMXERR_ENTRY_INVALID_EXECUTIVE_VMCS_POINTER 16
#define VMXERR_ENTRY_NONLAUNCHED_EXECUTIVE_VMCS 17
#define VMXERR_ENTRY_EXECUTIVE_VMCS_NOT_VMXON 18
#define VMXERR_VMCALL_NONCLEAR_VMCS          19
#define VMXERR_VMCALL_INVALID_EXIT_CONTROLS  20
#define VMXERR_VMCALL_INCORRECT_MSEG_REVISION_ID 22
#define VMXERR_VMXOFF_UNDER_DUAL_MONITOR     23
#define VMXERR_VMCALL_INVALID_SMM_MONITOR_FEATURES 24
#define VMXERR_ENTRY_INVALID_EXECUTIVE_CONTROLS 25
#define VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS 26
#define VMXERR_INVALID_INVEPT_INVVPID_OPERAND 28

/* ---- VMCS component encoding (SDM Vol. 3C 25.11.2, table 25-21):
 * bit 0 high half of a 64-bit field, bits 9:1 index, bits 11:10 type,
 * bits 14:13 width. */
#define VMCS_ENC_HIGH                VMX_U32(0x1)
#define VMCS_ENC_TYPE_SHIFT          10
#define VMCS_ENC_TYPE_MASK           VMX_U32(0x3)
#define VMCS_TYPE_CONTROL            0
#define VMCS_TYPE_EXIT_INFO          1
#define VMCS_TYPE_GUEST              2
#define VMCS_TYPE_HOST               3
#define VMCS_ENC_WIDTH_SHIFT         13
#define VMCS_ENC_WIDTH_MASK          VMX_U32(0x3)
#define VMCS_WIDTH_16                0
#define VMCS_WIDTH_64                1
#define VMCS_WIDTH_32                2
#define VMCS_WIDTH_NATURAL           3
#define VMCS_FIELD_WIDTH(enc) \
	(((enc) >> VMCS_ENC_WIDTH_SHIFT) & VMCS_ENC_WIDTH_MASK)
#define VMCS_FIELD_TYPE(enc) \
	(((enc) >> VMCS_ENC_TYPE_SHIFT) & VMCS_ENC_TYPE_MASK)

/* The few encodings the VM-entry/exit stub needs; the enum below uses them so
 * C and assembly cannot disagree. */
#define VMCS_ENC_HOST_RSP            0x6c14
#define VMCS_ENC_HOST_RIP            0x6c16
#define VMCS_ENC_GUEST_RSP           0x681c
#define VMCS_ENC_GUEST_RIP           0x681e
#define VMCS_ENC_VM_INSTRUCTION_ERROR 0x4400

#ifndef __ASSEMBLER__

/* VMCS component encodings, SDM Vol. 3D appendix B.  64-bit fields are the
 * full encodings; the high half of one is its encoding | VMCS_ENC_HIGH. */
enum vmcs_field {
	/* 16-bit control */
	VIRTUAL_PROCESSOR_ID           = 0x0000,
	POSTED_INTR_NV                 = 0x0002,
	EPTP_INDEX                     = 0x0004,
	/* 16-bit guest state */
	GUEST_ES_SELECTOR              = 0x0800,
	GUEST_CS_SELECTOR              = 0x0802,
	GUEST_SS_SELECTOR              = 0x0804,
	GUEST_DS_SELECTOR              = 0x0806,
	GUEST_FS_SELECTOR              = 0x0808,
	GUEST_GS_SELECTOR              = 0x080a,
	GUEST_LDTR_SELECTOR            = 0x080c,
	GUEST_TR_SELECTOR              = 0x080e,
	GUEST_INTR_STATUS              = 0x0810,
	GUEST_PML_INDEX                = 0x0812,
	/* 16-bit host state */
	HOST_ES_SELECTOR               = 0x0c00,
	HOST_CS_SELECTOR               = 0x0c02,
	HOST_SS_SELECTOR               = 0x0c04,
	HOST_DS_SELECTOR               = 0x0c06,
	HOST_FS_SELECTOR               = 0x0c08,
	HOST_GS_SELECTOR               = 0x0c0a,
	HOST_TR_SELECTOR               = 0x0c0c,
	/* 64-bit control */
	IO_BITMAP_A                    = 0x2000,
	IO_BITMAP_B                    = 0x2002,
	MSR_BITMAP                     = 0x2004,
	VM_EXIT_MSR_STORE_ADDR         = 0x2006,
	VM_EXIT_MSR_LOAD_ADDR          = 0x2008,
	VM_ENTRY_MSR_LOAD_ADDR         = 0x200a,
	EXECUTIVE_VMCS_POINTER         = 0x200c,
	PML_ADDRESS                    = 0x200e,
	TSC_OFFSET                     = 0x2010,
	VIRTUAL_APIC_PAGE_ADDR         = 0x2012,
	APIC_ACCESS_ADDR               = 0x2014,
	POSTED_INTR_DESC_ADDR          = 0x2016,
	VM_FUNCTION_CONTROL            = 0x2018,
	EPT_POINTER                    = 0x201a,
	EOI_EXIT_BITMAP0               = 0x201c,
	EOI_EXIT_BITMAP1               = 0x201e,
	EOI_EXIT_BITMAP2               = 0x2020,
	EOI_EXIT_BITMAP3               = 0x2022,
	EPTP_LIST_ADDRESS              = 0x2024,
	VMREAD_BITMAP                  = 0x2026,
	VMWRITE_BITMAP                 = 0x2028,
	VE_INFORMATION_ADDRESS         = 0x202a,
	XSS_EXIT_BITMAP                = 0x202c,
	ENCLS_EXITING_BITMAP           = 0x202e,
	SPPT_POINTER                   = 0x2030,
	TSC_MULTIPLIER                 = 0x2032,
	TERTIARY_VM_EXEC_CONTROL       = 0x2034,
	/* 64-bit read-only data */
	GUEST_PHYSICAL_ADDRESS         = 0x2400,
	/* 64-bit guest state */
	VMCS_LINK_POINTER              = 0x2800,
	GUEST_IA32_DEBUGCTL            = 0x2802,
	GUEST_IA32_PAT                 = 0x2804,
	GUEST_IA32_EFER                = 0x2806,
	GUEST_IA32_PERF_GLOBAL_CTRL    = 0x2808,
	GUEST_PDPTR0                   = 0x280a,
	GUEST_PDPTR1                   = 0x280c,
	GUEST_PDPTR2                   = 0x280e,
	GUEST_PDPTR3                   = 0x2810,
	GUEST_BNDCFGS                  = 0x2812,
	GUEST_IA32_RTIT_CTL            = 0x2814,
	/* 64-bit host state */
	HOST_IA32_PAT                  = 0x2c00,
	HOST_IA32_EFER                 = 0x2c02,
	HOST_IA32_PERF_GLOBAL_CTRL     = 0x2c04,
	/* 32-bit control */
	PIN_BASED_VM_EXEC_CONTROL      = 0x4000,
	CPU_BASED_VM_EXEC_CONTROL      = 0x4002,
	EXCEPTION_BITMAP               = 0x4004,
	PAGE_FAULT_ERROR_CODE_MASK     = 0x4006,
	PAGE_FAULT_ERROR_CODE_MATCH    = 0x4008,
	CR3_TARGET_COUNT               = 0x400a,
	VM_EXIT_CONTROLS               = 0x400c,
	VM_EXIT_MSR_STORE_COUNT        = 0x400e,
	VM_EXIT_MSR_LOAD_COUNT         = 0x4010,
	VM_ENTRY_CONTROLS              = 0x4012,
	VM_ENTRY_MSR_LOAD_COUNT        = 0x4014,
	VM_ENTRY_INTR_INFO_FIELD       = 0x4016,
	VM_ENTRY_EXCEPTION_ERROR_CODE  = 0x4018,
	VM_ENTRY_INSTRUCTION_LEN       = 0x401a,
	TPR_THRESHOLD                  = 0x401c,
	SECONDARY_VM_EXEC_CONTROL      = 0x401e,
	PLE_GAP                        = 0x4020,
	PLE_WINDOW                     = 0x4022,
	/* 32-bit read-only data */
	VM_INSTRUCTION_ERROR           = VMCS_ENC_VM_INSTRUCTION_ERROR,
	VM_EXIT_REASON                 = 0x4402,
	VM_EXIT_INTR_INFO              = 0x4404,
	VM_EXIT_INTR_ERROR_CODE        = 0x4406,
	IDT_VECTORING_INFO_FIELD       = 0x4408,
	IDT_VECTORING_ERROR_CODE       = 0x440a,
	VM_EXIT_INSTRUCTION_LEN        = 0x440c,
	VMX_INSTRUCTION_INFO           = 0x440e,
	/* 32-bit guest state */
	GUEST_ES_LIMIT                 = 0x4800,
	GUEST_CS_LIMIT                 = 0x4802,
	GUEST_SS_LIMIT                 = 0x4804,
	GUEST_DS_LIMIT                 = 0x4806,
	GUEST_FS_LIMIT                 = 0x4808,
	GUEST_GS_LIMIT                 = 0x480a,
	GUEST_LDTR_LIMIT               = 0x480c,
	GUEST_TR_LIMIT                 = 0x480e,
	GUEST_GDTR_LIMIT               = 0x4810,
	GUEST_IDTR_LIMIT               = 0x4812,
	GUEST_ES_AR_BYTES              = 0x4814,
	GUEST_CS_AR_BYTES              = 0x4816,
	GUEST_SS_AR_BYTES              = 0x4818,
	GUEST_DS_AR_BYTES              = 0x481a,
	GUEST_FS_AR_BYTES              = 0x481c,
	GUEST_GS_AR_BYTES              = 0x481e,
	GUEST_LDTR_AR_BYTES            = 0x4820,
	GUEST_TR_AR_BYTES              = 0x4822,
	GUEST_INTERRUPTIBILITY_INFO    = 0x4824,
	GUEST_ACTIVITY_STATE           = 0x4826,
	GUEST_SMBASE                   = 0x4828,
	GUEST_SYSENTER_CS              = 0x482a,
	VMX_PREEMPTION_TIMER_VALUE     = 0x482e,
	/* 32-bit host state */
	HOST_IA32_SYSENTER_CS          = 0x4c00,
	/* natural-width control */
	CR0_GUEST_HOST_MASK            = 0x6000,
	CR4_GUEST_HOST_MASK            = 0x6002,
	CR0_READ_SHADOW                = 0x6004,
	CR4_READ_SHADOW                = 0x6006,
	CR3_TARGET_VALUE0              = 0x6008,
	CR3_TARGET_VALUE1              = 0x600a,
	CR3_TARGET_VALUE2              = 0x600c,
	CR3_TARGET_VALUE3              = 0x600e,
	/* natural-width read-only data */
	EXIT_QUALIFICATION             = 0x6400,
	IO_RCX                         = 0x6402,
	IO_RSI                         = 0x6404,
	IO_RDI                         = 0x6406,
	IO_RIP                         = 0x6408,
	GUEST_LINEAR_ADDRESS           = 0x640a,
	/* natural-width guest state */
	GUEST_CR0                      = 0x6800,
	GUEST_CR3                      = 0x6802,
	GUEST_CR4                      = 0x6804,
	GUEST_ES_BASE                  = 0x6806,
	GUEST_CS_BASE                  = 0x6808,
	GUEST_SS_BASE                  = 0x680a,
	GUEST_DS_BASE                  = 0x680c,
	GUEST_FS_BASE                  = 0x680e,
	GUEST_GS_BASE                  = 0x6810,
	GUEST_LDTR_BASE                = 0x6812,
	GUEST_TR_BASE                  = 0x6814,
	GUEST_GDTR_BASE                = 0x6816,
	GUEST_IDTR_BASE                = 0x6818,
	GUEST_DR7                      = 0x681a,
	GUEST_RSP                      = VMCS_ENC_GUEST_RSP,
	GUEST_RIP                      = VMCS_ENC_GUEST_RIP,
	GUEST_RFLAGS                   = 0x6820,
	GUEST_PENDING_DBG_EXCEPTIONS   = 0x6822,
	GUEST_SYSENTER_ESP             = 0x6824,
	GUEST_SYSENTER_EIP             = 0x6826,
	/* natural-width host state */
	HOST_CR0                       = 0x6c00,
	HOST_CR3                       = 0x6c02,
	HOST_CR4                       = 0x6c04,
	HOST_FS_BASE                   = 0x6c06,
	HOST_GS_BASE                   = 0x6c08,
	HOST_TR_BASE                   = 0x6c0a,
	HOST_GDTR_BASE                 = 0x6c0c,
	HOST_IDTR_BASE                 = 0x6c0e,
	HOST_IA32_SYSENTER_ESP         = 0x6c10,
	HOST_IA32_SYSENTER_EIP         = 0x6c12,
	HOST_RSP                       = VMCS_ENC_HOST_RSP,
	HOST_RIP                       = VMCS_ENC_HOST_RIP,
};

#endif /* __ASSEMBLER__ */

#endif
