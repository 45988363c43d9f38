/* Forced into every hypervisor C file (-include, Makefile).  The image is
 * linked at one address and moved to the top of RAM at boot (hv/relocate.c),
 * so its code must reach every symbol PC-relatively.  With all symbols hidden
 * the compiler knows none is interposed and never goes through a GOT, whose
 * entries the move could not adjust (the same trick as Linux's
 * arch/x86/boot/compressed/hidden.h). */
#pragma GCC visibility push(hidden)
