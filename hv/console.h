/* The one writer every log record and every guest console byte goes through.
 * Guest bytes written to the console UART are trapped and held here until the
 * guest ends its line, so a hypervisor record never lands inside a guest's
 * half-printed line. */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

/* `spec` is the console= value: "com1", "com2,9600", "0x3f8,115200", "e9"
 * (Bochs/QEMU debug port only) or NULL for COM1 at 115200. */
void console_init(const char *spec);
uint16_t console_port(void);
bool console_has_uart(void);
/* Writes one complete record; adds the trailing newline. */
void console_write_line(const char *s, uint32_t len);
/* A byte the guest wrote to the console UART's transmit register. */
void console_guest_putc(char c);
/* Emits a half-finished guest line (at guest exit). */
void console_guest_flush(void);

#endif
