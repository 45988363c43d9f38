/* The event layer (the shape of KVM's vmx_complete_interrupts and
 * inject_pending_event): after every exit the event whose delivery the exit
 * interrupted is queued again; handlers queue the exceptions they raise; one
 * injection point, run just before VM entry, delivers what may be delivered
 * and asks for an exit when it cannot yet.  Nothing else writes the
 * VM-entry event fields. */
#ifndef VMX_VMX_EVENT_H
#define VMX_VMX_EVENT_H

#include <stdbool.h>
#include <stdint.h>

struct guest_regs;

/* Start of every exit: the IDT-vectoring information becomes the queued
 * event, and "NMI unblocking due to IRET" is put back (SDM Vol. 3C 28.2.3,
 * 28.2.4, 31.7.1.2).  Returns true when the exit interrupted a delivery. */
bool vmx_event_exit_begin(uint32_t basic_reason, uint64_t qual);
/* A hardware exception raised by the guest instruction being emulated; a
 * second one while one is queued follows the double-fault rule (a triple
 * fault stops the guest with status 105). */
void vmx_event_queue_exception(uint8_t vector, bool has_error, uint32_t error);
/* #DB as a trap with these DR6 bits (B0-B3, BD, BS). */
void vmx_event_queue_db(uint64_t dr6_bits);
/* An NMI for the guest (from an NMI exit, or one that hit the hypervisor). */
void vmx_event_queue_nmi(void);
/* An exception or NMI exit hands its event back to the guest (#PF with its
 * CR2, #DB with its DR6); during a delivery it combines with that event. */
void vmx_event_reflect_exit(struct guest_regs *r);
/* The handler completed the interrupted delivery itself (a task switch
 * through a task gate in the IDT): it is not queued again. */
void vmx_event_drop_delivered(void);
/* True when this exit interrupted a delivery that is queued again. */
bool vmx_event_delivering(void);
/* True when an event is queued for the next entry. */
bool vmx_event_queued(void);
/* The one injection point, just before VM entry.  `hold`: NMIs wait (an
 * instruction runs with events held); a re-injected event is never held. */
void vmx_event_inject(bool hold);
/* The preemption timer as "exit soon": 0 = before the first instruction
 * after entry (after an injected event is delivered). */
void vmx_event_timer(bool on, uint32_t value);
/* True while the event layer holds the preemption timer (the console
 * drain, vmx/vmx_drain.c, leaves it alone then). */
bool vmx_event_timer_owned(void);

#endif
