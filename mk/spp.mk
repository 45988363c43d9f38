# Sub-page permission table builder (pure: also linked into host unit tests).
PURE_SRCS += spp/sppt.c
