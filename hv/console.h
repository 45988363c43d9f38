/* The one writer every log record and every guest console byte goes
 * through.
 *
 * Records go into a ring in hypervisor memory (hv/logring.h) and leave it
 * only as fast as the UART takes them without waiting: console_drain() runs
 * on every VM exit (and from a VMX-preemption-timer exit while bytes are
 * waiting), console_drain_all() empties it at a stop, before hv-exit.
 *
 * The UART the hypervisor logs to is its own: the guest sees an emulated
 * one at that port (hv/vuart.h) whose bytes go out at once, each guest line
 * marked with CONSOLE_GUEST_MARK so it can never begin like a hypervisor
 * record.  With console=com2 (or any port other than the guest's COM1) the
 * guest owns COM1 outright. */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

/* What starts every guest line on the hypervisor's console.  No hypervisor
 * record starts with '|' (docs/log-format.md). */
#define CONSOLE_GUEST_MARK "| "

/* `spec` is the console= value: "com1", "com2,9600", "0x3f8,115200", "e9"
 * (Bochs/QEMU debug port only) or NULL for COM1 at 115200. */
void console_init(const char *spec);
uint16_t console_port(void);
bool console_has_uart(void);
uint32_t console_baud(void);
/* Queues one complete record; adds the trailing newline.  Waits (bounded,
 * on the transmitter) only when the ring is full: such records are never
 * lost. */
void console_write_line(const char *s, uint32_t len);
/* The same for a record that may be lost when the ring is full (counted,
 * then reported by a log-dropped record): never waits.  For records the
 * guest can cause at a high rate (spp-violation). */
void console_write_line_lossy(const char *s, uint32_t len);
/* Sends what the UART takes now without waiting; returns the bytes still
 * waiting in the ring (what console_pending would say). */
uint32_t console_drain(void);
/* Bytes still waiting in the ring. */
uint32_t console_pending(void);
/* Waits (bounded) until everything queued has been handed to the UART. */
void console_drain_all(void);
/* Ends a half-finished guest line (before a record, at guest exit). */
void console_guest_flush(void);
/* The guest's access to register `reg` (0..7) of the hypervisor's UART. */
uint8_t console_guest_in(unsigned reg);
void console_guest_out(unsigned reg, uint8_t val);
/* The TSC rate, once known: lets console_drain skip the UART while the FIFO
 * it filled cannot have room yet. */
void console_set_tsc_hz(uint64_t hz);
/* Records dropped because the ring was full, over the whole run. */
uint64_t console_dropped(void);

#endif
