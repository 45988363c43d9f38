/* 16550 register offsets and bits (PC16550D data sheet; the same layout the
 * Linux 8250 driver names in include/uapi/linux/serial_reg.h).  Constants
 * only: shared by the driver and the guest's view of the console UART. */
#ifndef DRIVERS_UART_REGS_H
#define DRIVERS_UART_REGS_H

#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define UART_REGS 8

#define UART_IER_MASK  0x0f
#define UART_IIR_NO_INT 0x01
#define UART_IIR_ID_MASK 0x0f
#define UART_IIR_FIFO  0xc0
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_TRIGGER 0xc0
#define UART_LCR_8N1   0x03
#define UART_LCR_DLAB  0x80
#define UART_MCR_DTR   0x01
#define UART_MCR_RTS   0x02
#define UART_MCR_OUT1  0x04
#define UART_MCR_OUT2  0x08
#define UART_MCR_LOOP  0x10
#define UART_MCR_MASK  0x1f
#define UART_LSR_DR    0x01
#define UART_LSR_THRE  0x20
#define UART_LSR_TEMT  0x40
#define UART_FIFO_SIZE 16

#endif
