# EPT builder and MTRR memory typing (pure: also linked into host unit tests).
PURE_SRCS += ept/ept.c ept/mtrr.c
