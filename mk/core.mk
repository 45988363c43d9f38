# Pure core sources (formatting, command line, page allocator).
PURE_SRCS += hv/lib/format.c hv/cmdline.c hv/palloc.c
