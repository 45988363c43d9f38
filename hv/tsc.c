#include "hv/tsc.h"
#include "hv/cpu.h"

#define PIT_HZ        1193182u
#define PIT_CH2       0x42
#define PIT_CMD       0x43
#define PIT_GATE      0x61
#define CALIBRATE_MS  10u
#define FALLBACK_HZ   1000000000ull

/* PIT channel 2 in mode 0 counts down CALIBRATE_MS; its OUT pin (port 0x61
 * bit 5) rises at zero.  The poll is bounded so a missing PIT cannot hang. */
uint64_t tsc_hz(void)
{
	static uint64_t hz;
	uint16_t count = PIT_HZ / 1000 * CALIBRATE_MS;
	uint64_t start, spins = 0;

	if (hz)
		return hz;
	outb(PIT_GATE, (uint8_t)((inb(PIT_GATE) & ~0x02) | 0x01));
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0 */
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	start = rdtsc();
	while (!(inb(PIT_GATE) & 0x20)) {
		if (++spins > 50000000ull) {
			hz = FALLBACK_HZ;
			return hz;
		}
	}
	hz = (rdtsc() - start) * (1000 / CALIBRATE_MS);
	if (!hz)
		hz = FALLBACK_HZ;
	return hz;
}
