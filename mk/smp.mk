# Processor tables (MADT, MP table) counted and rewritten for the guest, and
# the CPUID topology leaves of a one-CPU guest (pure, host unit-tested).
PURE_SRCS += hv/acpi_cpus.c vmx/vmx_cpuid_topo.c
