/* The log ring (hv/logring.c) and the guest's view of the console UART
 * (hv/vuart.c), on the host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/uart_regs.h"
#include "hv/logring.h"
#include "hv/vuart.h"

/* Everything the ring holds, in order, as a string. */
static void drain(struct logring *r, char *out, size_t n)
{
	const char *p;
	uint32_t k;
	size_t len = 0;

	while ((k = logring_peek(r, &p))) {
		assert_true(len + k < n);
		memcpy(out + len, p, k);
		len += k;
		logring_consume(r, k);
	}
	out[len] = '\0';
}

static void test_ring_size_must_be_power_of_two(void **state)
{
	struct logring r;
	char buf[48];

	(void)state;
	assert_false(logring_init(&r, buf, 48));
	assert_true(logring_init(&r, buf, 32));
	assert_int_equal(logring_free(&r), 32);
}

static void test_ring_records_whole_or_counted(void **state)
{
	struct logring r;
	char buf[64], out[256];

	(void)state;
	logring_init(&r, buf, sizeof(buf));
	assert_true(logring_put_record(&r, "first record\n", 13));
	assert_true(logring_put_record(&r, "second record\n", 14));
	/* 27 used, 37 free: a 40-byte record does not fit, nothing of it goes in. */
	assert_false(logring_put_record(&r, "0123456789012345678901234567890123456789", 40));
	assert_int_equal(logring_used(&r), 27);
	assert_int_equal(r.dropped, 1);
	assert_int_equal(r.dropped_total, 1);
	/* A second one lost too; then room: the notice comes first. */
	assert_false(logring_put_record(&r, "0123456789012345678901234567890123456789", 40));
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "first record\nsecond record\n");
	assert_true(logring_put_record(&r, "third\n", 6));
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "log-dropped count=2\nthird\n");
	assert_int_equal(r.dropped, 0);
	assert_int_equal(r.dropped_total, 2);
}

static void test_ring_notice_waits_for_room(void **state)
{
	struct logring r;
	char buf[32], out[64];

	(void)state;
	logring_init(&r, buf, sizeof(buf));
	assert_true(logring_put_record(&r, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 31));
	assert_false(logring_put_record(&r, "b\n", 2));
	/* Only 1 byte free: the notice (20 bytes) cannot go in yet. */
	assert_false(logring_note_drops(&r));
	drain(&r, out, sizeof(out));
	assert_true(logring_note_drops(&r));
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "log-dropped count=1\n");
}

static void test_ring_resumes_after_room(void **state)
{
	struct logring r;
	char buf[64], out[128];

	(void)state;
	logring_init(&r, buf, sizeof(buf));
	logring_set_resume(&r, 40);
	assert_true(logring_put_record(&r, "0123456789012345678901234567890123456789\n", 41));
	assert_false(logring_put_record(&r, "0123456789012345678901234\n", 26));
	/* 30 free after consuming 7: the 2-byte record would fit with its
	 * notice, but the ring waits for 40 free bytes. */
	logring_consume(&r, 7);
	assert_false(logring_put_record(&r, "x\n", 2));
	assert_false(logring_note_drops(&r));
	logring_consume(&r, 20);
	assert_true(logring_put_record(&r, "y\n", 2));
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "7890123456789\nlog-dropped count=2\ny\n");
}

static void test_ring_kept_records_wait_for_room_not_counted(void **state)
{
	struct logring r;
	char buf[32], out[128];

	(void)state;
	logring_init(&r, buf, sizeof(buf));
	logring_set_resume(&r, 32);
	assert_true(logring_put_record(&r, "aaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 28));
	assert_false(logring_put_record(&r, "lost\n", 5));
	assert_false(logring_put_record_keep(&r, "hv-exit status=1\n", 17));
	assert_int_equal(r.dropped_total, 1);
	logring_consume(&r, 20);
	/* 24 free: the kept record goes in at once; the notice (20 bytes) does
	 * not fit beside it and waits. */
	assert_true(logring_put_record_keep(&r, "hv-exit status=1\n", 17));
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "aaaaaaa\nhv-exit status=1\n");
	assert_int_equal(r.dropped, 1);
}

static void test_ring_wraps(void **state)
{
	struct logring r;
	char buf[16], out[64];
	const char *p;

	(void)state;
	logring_init(&r, buf, sizeof(buf));
	for (int i = 0; i < 100; i++) {
		char rec[8];
		int n = snprintf(rec, sizeof(rec), "r%02d\n", i % 100);

		assert_true(logring_put_record(&r, rec, (uint32_t)n));
		/* Consume one byte at a time through the wrap. */
		size_t len = 0;
		uint32_t k;

		while ((k = logring_peek(&r, &p))) {
			out[len++] = *p;
			logring_consume(&r, 1);
		}
		out[len] = '\0';
		assert_string_equal(out, rec);
	}
}

static void test_ring_bytes_keep_the_reserve(void **state)
{
	struct logring r;
	char buf[32];

	(void)state;
	logring_init(&r, buf, sizeof(buf));
	assert_true(logring_put_bytes(&r, "0123456789", 10, 16));
	assert_false(logring_put_bytes(&r, "0123456789", 10, 16)); /* would leave 12 */
	assert_int_equal(logring_used(&r), 10);
	assert_int_equal(r.dropped, 0); /* bytes are not records */
	assert_true(logring_put_record(&r, "0123456789abcdefghijk\n", 22));
}

/* ---- vuart ---------------------------------------------------------- */

struct fake_uart {
	uint8_t reg_out[UART_REGS];
	int outs[UART_REGS];
	uint8_t lsr, iir, msr, rbr;
	char tx[64];
	size_t ntx;
	bool room;
	bool raise_ok; /* irq_raise succeeds */
	int raised;    /* interrupts raised */
	int raise_calls;
};

static uint8_t fake_in(void *ctx, unsigned reg)
{
	struct fake_uart *f = ctx;

	switch (reg) {
	case UART_RBR: return f->rbr;
	case UART_IIR: return f->iir;
	case UART_LSR: return f->lsr;
	case UART_MSR: return f->msr;
	default: fail_msg("the guest's read of register %u reached the UART", reg);
	}
	return 0;
}

static void fake_out(void *ctx, unsigned reg, uint8_t v)
{
	struct fake_uart *f = ctx;

	f->reg_out[reg] = v;
	f->outs[reg]++;
}

static bool fake_tx(void *ctx, uint8_t c)
{
	struct fake_uart *f = ctx;

	f->tx[f->ntx++] = (char)c;
	return true;
}

static bool fake_room(void *ctx)
{
	return ((struct fake_uart *)ctx)->room;
}

static bool fake_raise(void *ctx)
{
	struct fake_uart *f = ctx;

	f->raise_calls++;
	if (f->raise_ok)
		f->raised++;
	return f->raise_ok;
}

#define IIR_FIFO 0xc0
#define IIR_NONE (IIR_FIFO | 0x01)
#define IIR_THRE (IIR_FIFO | 0x02)

/* The 16550's THRE interrupt, virtual: set by ETBEI 0->1 and by THR writes,
 * cleared by the IIR read that reports it and by clearing ETBEI; the real
 * IER never gets ETBEI; each edge raises the guest's interrupt once, only
 * with OUT2 set. */
static void test_vuart_virtual_thre_interrupt(void **state)
{
	struct fake_uart f = { .room = true, .lsr = 0x60, .iir = 0x01, .raise_ok = true };
	struct vuart_ops o = { &f, fake_in, fake_out, fake_tx, fake_room, fake_raise };
	struct vuart v;

	(void)state;
	vuart_reset(&v);
	/* OUT2 clear: pending but no interrupt leaves the UART. */
	vuart_write(&v, &o, UART_IER, 0x07);
	assert_int_equal(f.reg_out[UART_IER], 0x05); /* receive and line status stay real */
	assert_int_equal(vuart_read(&v, &o, UART_IER), 0x07);
	assert_int_equal(f.raise_calls, 0);
	assert_true(vuart_virtual_thre(&v));
	/* Opening the gate with THRE pending is an edge. */
	vuart_write(&v, &o, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	assert_int_equal(f.raised, 1);
	vuart_write(&v, &o, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR);
	assert_int_equal(f.raised, 1); /* gate already open */
	/* The IIR read reports THRE once, then nothing. */
	assert_int_equal(vuart_read(&v, &o, UART_IIR), IIR_THRE);
	assert_int_equal(vuart_read(&v, &o, UART_IIR), IIR_NONE);
	/* A THR write: the byte leaves, THRE is pending again: one edge. */
	vuart_write(&v, &o, UART_THR, 'a');
	assert_int_equal(f.raised, 2);
	vuart_write(&v, &o, UART_THR, 'b'); /* still pending: no new edge */
	vuart_write(&v, &o, UART_THR, 'c');
	assert_int_equal(f.raised, 2);
	assert_int_equal(f.ntx, 3);
	/* Received data (real) comes before THRE, which stays pending... */
	f.iir = 0x04;
	assert_int_equal(vuart_read(&v, &o, UART_IIR), IIR_FIFO | 0x04);
	f.iir = 0x06;
	assert_int_equal(vuart_read(&v, &o, UART_IIR), IIR_FIFO | 0x06);
	f.iir = 0x0c;
	assert_int_equal(vuart_read(&v, &o, UART_IIR), IIR_FIFO | 0x0c);
	/* ...and modem status after it. */
	f.iir = 0x00;
	assert_int_equal(vuart_read(&v, &o, UART_IIR), IIR_THRE);
	assert_int_equal(vuart_read(&v, &o, UART_IIR), IIR_FIFO | 0x00);
	/* A THRE the real UART latched before is not the guest's. */
	f.iir = 0x02;
	assert_int_equal(vuart_read(&v, &o, UART_IIR), IIR_NONE);
	f.iir = 0x01;
	/* Clearing ETBEI clears the pending interrupt; setting it again with
	 * THR empty raises it (what Linux's THRE test expects). */
	vuart_write(&v, &o, UART_THR, 'd');
	assert_int_equal(f.raised, 3);
	vuart_write(&v, &o, UART_IER, 0x05);
	assert_int_equal(vuart_read(&v, &o, UART_IIR), IIR_NONE);
	vuart_write(&v, &o, UART_THR, 'e'); /* ETBEI off: no interrupt */
	assert_int_equal(f.raised, 3);
	vuart_write(&v, &o, UART_IER, 0x07);
	assert_int_equal(f.raised, 4);
	vuart_write(&v, &o, UART_IER, 0x03); /* ETBEI stays set: no edge */
	assert_int_equal(f.raised, 4);
	assert_int_equal(f.reg_out[UART_IER], 0x01);
	assert_int_equal(vuart_read(&v, &o, UART_IIR), IIR_THRE);
	/* DLAB: IER's address is DLM, nothing changes. */
	vuart_write(&v, &o, UART_LCR, UART_LCR_DLAB | UART_LCR_8N1);
	vuart_write(&v, &o, UART_DLM, 0);
	vuart_write(&v, &o, UART_LCR, UART_LCR_8N1);
	assert_int_equal(vuart_read(&v, &o, UART_IER), 0x03);
	/* Loopback gates the line: no interrupt, THRE still reported. */
	vuart_write(&v, &o, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	vuart_write(&v, &o, UART_THR, 'f');
	assert_int_equal(f.raised, 4);
	assert_int_equal(vuart_read(&v, &o, UART_IIR), IIR_THRE);
}

/* No way to raise it (or no irq_raise at all): the real THRE interrupt,
 * as before, until ETBEI is cleared. */
static void test_vuart_thre_falls_back_to_the_real_one(void **state)
{
	struct fake_uart f = { .room = true, .lsr = 0x60, .iir = 0xc2 };
	struct vuart_ops o = { &f, fake_in, fake_out, fake_tx, fake_room, fake_raise };
	struct vuart_ops none = { &f, fake_in, fake_out, fake_tx, fake_room, NULL };
	struct vuart v;

	(void)state;
	vuart_reset(&v);
	vuart_write(&v, &o, UART_MCR, UART_MCR_OUT2);
	vuart_write(&v, &o, UART_IER, 0x03);
	assert_int_equal(f.raise_calls, 1);
	assert_false(vuart_virtual_thre(&v));
	assert_int_equal(f.reg_out[UART_IER], 0x03);
	assert_int_equal(vuart_read(&v, &o, UART_IIR), 0xc2); /* the real one */
	assert_int_equal(vuart_read(&v, &o, UART_IIR), 0xc2);
	vuart_write(&v, &o, UART_THR, 'x');
	vuart_write(&v, &o, UART_THR, 'y');
	assert_int_equal(f.raise_calls, 1);
	assert_int_equal(f.reg_out[UART_IER], 0x03);
	/* Cleared and set again: the virtual one is tried again, and works. */
	vuart_write(&v, &o, UART_IER, 0x01);
	assert_int_equal(f.reg_out[UART_IER], 0x01);
	f.raise_ok = true;
	vuart_write(&v, &o, UART_IER, 0x03);
	assert_int_equal(f.raised, 1);
	assert_int_equal(f.reg_out[UART_IER], 0x01);
	/* Without irq_raise: always the real one. */
	vuart_reset(&v);
	vuart_write(&v, &none, UART_MCR, UART_MCR_OUT2);
	vuart_write(&v, &none, UART_IER, 0x02);
	assert_int_equal(f.reg_out[UART_IER], 0x02);
}

/* Which I/O APIC entries may be raised as a self-IPI, and with what vector. */
static void test_vuart_irq_route(void **state)
{
	const uint64_t dest5 = 5ull << 56;

	(void)state;
	assert_int_equal(vuart_irq_route(dest5 | 0x24, 5, false, 0, ~0u), 0x24);
	assert_int_equal(vuart_irq_route(dest5 | 0x24, 5, true, 0, 0), 0x24);      /* x2APIC physical */
	assert_int_equal(vuart_irq_route(dest5 | 0x124, 5, false, 0, ~0u), 0x24);  /* lowest priority */
	assert_int_equal(vuart_irq_route(dest5 | 0x24, 4, false, 0, ~0u), -1);     /* another CPU */
	assert_int_equal(vuart_irq_route(dest5 | 0x10024, 5, false, 0, ~0u), -1); /* masked */
	assert_int_equal(vuart_irq_route(dest5 | 0x8024, 5, false, 0, ~0u), -1);  /* level */
	assert_int_equal(vuart_irq_route(dest5 | 0x224, 5, false, 0, ~0u), -1);   /* SMI */
	assert_int_equal(vuart_irq_route(dest5 | 0x424, 5, false, 0, ~0u), -1);   /* NMI */
	assert_int_equal(vuart_irq_route(dest5 | 0x724, 5, false, 0, ~0u), -1);   /* ExtINT */
	assert_int_equal(vuart_irq_route(dest5 | 0x1f, 5, false, 0, ~0u), -1);    /* exception vector */
	/* Logical, flat: any common bit. */
	assert_int_equal(vuart_irq_route(0x03ull << 56 | 0x800 | 0x31, 0, false, 0x02u << 24, ~0u), 0x31);
	assert_int_equal(vuart_irq_route(0x01ull << 56 | 0x800 | 0x31, 0, false, 0x02u << 24, ~0u), -1);
	/* Logical, cluster: same cluster and a common bit. */
	assert_int_equal(vuart_irq_route(0x21ull << 56 | 0x800 | 0x31, 0, false, 0x21u << 24, 0x0fffffff), 0x31);
	assert_int_equal(vuart_irq_route(0x11ull << 56 | 0x800 | 0x31, 0, false, 0x21u << 24, 0x0fffffff), -1);
	/* Logical in x2APIC mode: not from an 8-bit destination. */
	assert_int_equal(vuart_irq_route(0x01ull << 56 | 0x800 | 0x31, 0, true, 1, 0), -1);
}

static void test_vuart_divisor_and_lcr_stay_virtual(void **state)
{
	struct fake_uart f = { .room = true, .lsr = 0x60 };
	struct vuart_ops o = { &f, fake_in, fake_out, fake_tx, fake_room, NULL };
	struct vuart v;

	(void)state;
	vuart_reset(&v);
	vuart_write(&v, &o, UART_LCR, UART_LCR_DLAB);
	vuart_write(&v, &o, UART_DLL, 0x0c);
	vuart_write(&v, &o, UART_DLM, 0x01);
	assert_int_equal(vuart_read(&v, &o, UART_DLL), 0x0c);
	assert_int_equal(vuart_read(&v, &o, UART_DLM), 0x01);
	vuart_write(&v, &o, UART_LCR, 0x1b);
	assert_int_equal(vuart_read(&v, &o, UART_LCR), 0x1b);
	/* Nothing of that reached the real UART, and no byte was sent. */
	assert_int_equal(f.outs[UART_LCR] + f.outs[UART_DLL] + f.outs[UART_DLM], 0);
	assert_int_equal(f.ntx, 0);
	vuart_write(&v, &o, UART_THR, 'x');
	assert_int_equal(f.ntx, 1);
	assert_int_equal(f.tx[0], 'x');
}

static void test_vuart_interrupt_side_is_real(void **state)
{
	struct fake_uart f = { .room = true, .lsr = 0x61, .iir = 0xc2 };
	struct vuart_ops o = { &f, fake_in, fake_out, fake_tx, fake_room, NULL };
	struct vuart v;

	(void)state;
	vuart_reset(&v);
	vuart_write(&v, &o, UART_IER, 0xff);
	assert_int_equal(f.reg_out[UART_IER], 0x0f);
	assert_int_equal(vuart_read(&v, &o, UART_IER), 0x0f);
	assert_int_equal(vuart_read(&v, &o, UART_IIR), 0xc2);
	/* FIFO off in the guest's FCR: IIR says so; the real FIFO stays on and
	 * its transmit side is never cleared. */
	vuart_write(&v, &o, UART_FCR, UART_FCR_CLEAR_TX | UART_FCR_CLEAR_RX);
	assert_int_equal(f.reg_out[UART_FCR], UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_int_equal(vuart_read(&v, &o, UART_IIR), 0x02);
	/* OUT2 passes, loopback does not. */
	vuart_write(&v, &o, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR);
	assert_int_equal(f.reg_out[UART_MCR], UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	vuart_write(&v, &o, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	assert_int_equal(f.reg_out[UART_MCR], UART_MCR_DTR | UART_MCR_RTS);
	assert_int_equal(vuart_read(&v, &o, UART_MCR), UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	/* Loopback: MSR mirrors MCR (RTS -> CTS, OUT2 -> DCD), bytes go nowhere. */
	assert_int_equal(vuart_read(&v, &o, UART_MSR), 0x90);
	vuart_write(&v, &o, UART_THR, 'y');
	assert_int_equal(f.ntx, 0);
	/* LSR: receive bits real, THRE/TEMT from the ring's room. */
	assert_int_equal(vuart_read(&v, &o, UART_LSR), 0x61);
	f.room = false;
	assert_int_equal(vuart_read(&v, &o, UART_LSR), 0x01);
	vuart_write(&v, &o, UART_SCR, 0xa5);
	assert_int_equal(vuart_read(&v, &o, UART_SCR), 0xa5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_size_must_be_power_of_two),
		cmocka_unit_test(test_ring_records_whole_or_counted),
		cmocka_unit_test(test_ring_notice_waits_for_room),
		cmocka_unit_test(test_ring_resumes_after_room),
		cmocka_unit_test(test_ring_kept_records_wait_for_room_not_counted),
		cmocka_unit_test(test_ring_wraps),
		cmocka_unit_test(test_ring_bytes_keep_the_reserve),
		cmocka_unit_test(test_vuart_divisor_and_lcr_stay_virtual),
		cmocka_unit_test(test_vuart_interrupt_side_is_real),
		cmocka_unit_test(test_vuart_virtual_thre_interrupt),
		cmocka_unit_test(test_vuart_thre_falls_back_to_the_real_one),
		cmocka_unit_test(test_vuart_irq_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
