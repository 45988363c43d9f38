/* The shared console UART's transmit interrupt, raised in the guest as a
 * self-IPI with the vector the guest programmed for the UART's IRQ in the
 * I/O APIC (hv/vuart.h: the virtual THRE interrupt). */
#ifndef HV_VUART_IRQ_H
#define HV_VUART_IRQ_H

#include <stdbool.h>
#include <stdint.h>

/* Finds the I/O APIC input of the UART at port (ISA IRQ 4 for 0x3f8 and
 * 0x3e8, 3 for 0x2f8 and 0x2e8) from the MADT; without one (another port,
 * no MADT or I/O APIC, an address above 4 GiB, an input past the I/O
 * APIC's last entry) vuart_irq_raise always fails. */
void vuart_irq_init(uint64_t rsdp_hint, uint16_t port);

/* Sends the guest's vector to this CPU when the UART's redirection entry
 * routes it here (vuart_irq_route) and the guest's local APIC is enabled;
 * false, sending nothing, otherwise.  Called on a VM exit, the guest
 * stopped. */
bool vuart_irq_raise(void);

#endif
