# Boot information (multiboot 1/2 parsing, guest boot info), physical range
# arithmetic and the guest kernel image parser: all pure, host unit-tested.
PURE_SRCS += hv/bootinfo.c hv/memrange.c hv/guest_image.c hv/guest_bootinfo.c
PURE_SRCS += hv/linux_boot.c
