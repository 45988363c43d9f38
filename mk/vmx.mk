# VMX constants, capability decoding and names (pure).
PURE_SRCS += vmx/vmx_caps.c vmx/vmx_names.c
PURE_SRCS += vmx/vmx_event_rules.c
