#include "hv/reloc.h"
#include <stdbool.h>

#include "hv/errno.h"
#include "hv/lib/string.h"

/* Sites need not be aligned (operands inside 32-bit instructions): memcpy. */
static bool reloc_site(const uint8_t *image, uint64_t len, uint32_t e, int64_t delta,
		       uint64_t *off, uint64_t *width, uint64_t *value)
{
	*off = e & ~HV_RELOC_32;
	*width = (e & HV_RELOC_32) ? 4 : 8;
	if (*off > len || *width > len - *off)
		return false;
	if (*width == 4) {
		uint32_t v;

		memcpy(&v, image + *off, 4);
		*value = (uint64_t)v + (uint64_t)delta;
		return *value <= UINT32_MAX;
	}
	memcpy(value, image + *off, 8);
	*value += (uint64_t)delta;
	return true;
}

int reloc_apply(uint8_t *image, uint64_t len, const uint32_t *table, size_t n, int64_t delta)
{
	uint64_t off, width, value;

	for (size_t i = 0; i < n; i++)
		if (!reloc_site(image, len, table[i], delta, &off, &width, &value))
			return -ERANGE;
	for (size_t i = 0; i < n; i++) {
		reloc_site(image, len, table[i], delta, &off, &width, &value);
		if (width == 4) {
			uint32_t v = (uint32_t)value;

			memcpy(image + off, &v, 4);
		} else {
			memcpy(image + off, &value, 8);
		}
	}
	return 0;
}
