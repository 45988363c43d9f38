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

static void test_vuart_divisor_and_lcr_stay_virtual(void **state)
{
	struct fake_uart f = { .room = true, .lsr = 0x60 };
	struct vuart_ops o = { &f, fake_in, fake_out, fake_tx, fake_room };
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
	struct vuart_ops o = { &f, fake_in, fake_out, fake_tx, fake_room };
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
