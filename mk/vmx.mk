# VMX constants, capability decoding and names (pure).
PURE_SRCS += vmx/vmx_caps.c vmx/vmx_names.c vmx/vmx_msr_policy.c
PURE_SRCS += vmx/vmx_event_rules.c
PURE_SRCS += vmx/vmx_xcr.c vmx/vmx_cr_rules.c vmx/vmx_task_rules.c vmx/vmx_walk.c
