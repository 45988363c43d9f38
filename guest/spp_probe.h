/* SPP probe modes of the test guest (guest/spp_probe.c).  Each needs the
 * hypervisor: run natively, it says so and exits with GUEST_EXIT_USAGE.
 *
 * Every store a mode makes is announced first on a line
 *   guest: spp store seq=N gpa=0x... size=S count=C kind=mov|xchg|rep rip=0x... name=NAME
 * (count > 1 only for rep: C one-byte stores at gpa, gpa+1, ...; rip is the
 * address of the storing instruction) so host tests can model the
 * violations the hypervisor must report.
 *
 *   mode=spp [expect=hw|sw]   the default configuration (hv/default.conf),
 *                             one check line per store, mask and lock; exits
 *                             with the failure count.  expect=sw adds stores
 *                             that start in a writable sub-page and run into
 *                             a protected one, which only software SPP
 *                             catches (Bochs 2.7 checks a store's first byte).
 *   mode=spp-halt [addr=A] [size=1|2|4|8]   one store to the tripwire (default
 *                             0x803400): the hypervisor must stop the guest.
 *   mode=spp-storm [n=N] [addr=A]   N one-byte stores into the 128 bytes at A
 *                             (default guard-first, 0x800000); exits 0 when
 *                             none of them took effect.
 *   mode=spp-config [probe=P1,P2,...] [lock=GPA locklen=LEN]   optional lock
 *                             hypercall, then per page: the queried mask and
 *                             one byte written per sub-page:
 *                             guest: spp probe page=0x... mask=0x... written=0x...
 */
#ifndef GUEST_SPP_PROBE_H
#define GUEST_SPP_PROBE_H

#include <stdint.h>

#include "guest/guest.h"

uint32_t guest_mode_spp(const struct guest_boot *b);
uint32_t guest_mode_spp_halt(const struct guest_boot *b);
uint32_t guest_mode_spp_storm(const struct guest_boot *b);
uint32_t guest_mode_spp_config(const struct guest_boot *b);

#endif
