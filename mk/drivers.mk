# SMRAM control decisions (pure).
PURE_SRCS += drivers/smram.c
