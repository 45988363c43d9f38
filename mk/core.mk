# Pure core sources (formatting, command line, page allocator).
PURE_SRCS += hv/lib/format.c hv/cmdline.c hv/palloc.c hv/reloc.c
# The log ring and the guest's view of the shared console UART.
PURE_SRCS += hv/logring.c hv/vuart.c
