/* Multiboot1 information: command-line arguments and the memory map. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/guest.h"
#include "guest/mb1.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Returns the value of the first "key=value" token and its length in *len. */
static const char *boot_arg_find(const struct guest_boot *b, const char *key,
				 size_t *len)
{
	size_t klen = 0;

	while (key[klen])
		klen++;
	for (const char *p = b->cmdline; *p;) {
		while (is_space(*p))
			p++;
		const char *tok = p;

		while (*p && !is_space(*p))
			p++;
		size_t tlen = (size_t)(p - tok);
		size_t i = 0;

		while (i < klen && i < tlen && tok[i] == key[i])
			i++;
		if (i == klen && tlen > klen && tok[klen] == '=') {
			*len = tlen - klen - 1;
			return tok + klen + 1;
		}
	}
	return NULL;
}

enum boot_arg_result boot_arg_str(const struct guest_boot *b, const char *key,
				  char *out, size_t out_size)
{
	size_t len;
	const char *v = boot_arg_find(b, key, &len);

	if (!v)
		return BOOT_ARG_ABSENT;
	if (len >= out_size)
		return BOOT_ARG_BAD;
	for (size_t i = 0; i < len; i++)
		out[i] = v[i];
	out[len] = '\0';
	return BOOT_ARG_OK;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

enum boot_arg_result boot_arg_u64(const struct guest_boot *b, const char *key,
				  uint64_t *out)
{
	size_t len, i = 0;
	const char *v = boot_arg_find(b, key, &len);
	bool neg = false;
	unsigned base = 10;
	uint64_t n = 0;

	if (!v)
		return BOOT_ARG_ABSENT;
	if (i < len && v[i] == '-') {
		neg = true;
		i++;
	}
	if (len - i > 2 && v[i] == '0' && (v[i + 1] == 'x' || v[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	if (i == len)
		return BOOT_ARG_BAD;
	for (; i < len; i++) {
		unsigned d = (unsigned)digit_value(v[i]);

		if (d >= base || n > (UINT64_MAX - d) / base)
			return BOOT_ARG_BAD;
		n = n * base + d;
	}
	*out = neg ? 0 - n : n;
	return BOOT_ARG_OK;
}

uint64_t boot_ram_end;

/* The end of the available entry holding `addr`, 0 when none does. */
static uint64_t boot_mmap_end_of(const struct mb1_info *info, uint64_t addr)
{
	uint64_t pos = info->mmap_addr, end = pos + info->mmap_length;

	while (pos + sizeof(struct mb1_mmap_entry) <= end) {
		const struct mb1_mmap_entry *e = (const struct mb1_mmap_entry *)(uintptr_t)pos;

		if (e->size < sizeof(*e) - sizeof(e->size))
			return 0;
		if (e->type == MB1_MEM_AVAILABLE && e->base <= addr && addr - e->base < e->length)
			return e->base + e->length;
		pos += (uint64_t)e->size + sizeof(e->size);
	}
	return 0;
}

bool boot_mmap_usable(const struct guest_boot *b, uint64_t base, uint64_t len)
{
	const struct mb1_info *info = b->info;

	if (!info || !(info->flags & MB1_INFO_MMAP) || base + len < base)
		return false;
	uint64_t pos = info->mmap_addr;
	uint64_t end = pos + info->mmap_length;

	while (pos + sizeof(struct mb1_mmap_entry) <= end) {
		const struct mb1_mmap_entry *e =
			(const struct mb1_mmap_entry *)(uintptr_t)pos;

		if (e->size < sizeof(*e) - sizeof(e->size))
			return false;
		if (e->type == MB1_MEM_AVAILABLE && e->base <= base &&
		    base + len <= e->base + e->length && e->base + e->length >= e->base)
			return true;
		pos += (uint64_t)e->size + sizeof(e->size);
	}
	return false;
}

void boot_parse(struct guest_boot *b, uint32_t magic, uint32_t info_pa)
{
	/* The default is what `make run` shows a newcomer (docs/guest.md). */
	static const char default_mode[] = "demo";

	b->magic = magic;
	b->info = NULL;
	b->cmdline = "";
	b->has_cmdline = false;
	if (magic == MB1_BOOTLOADER_MAGIC && info_pa)
		b->info = (const struct mb1_info *)(uintptr_t)info_pa;
	if (b->info && (b->info->flags & MB1_INFO_MMAP))
		boot_ram_end = boot_mmap_end_of(b->info, 0x100000);
	if (b->info && (b->info->flags & MB1_INFO_CMDLINE) && b->info->cmdline) {
		b->cmdline = (const char *)(uintptr_t)b->info->cmdline;
		b->has_cmdline = true;
	}
	for (size_t i = 0; i < sizeof(default_mode); i++)
		b->mode[i] = default_mode[i];
	if (boot_arg_str(b, "mode", b->mode, sizeof(b->mode)) == BOOT_ARG_BAD) {
		static const char bad[] = "(too-long)";

		for (size_t i = 0; i < sizeof(bad); i++)
			b->mode[i] = bad[i];
	}
}
