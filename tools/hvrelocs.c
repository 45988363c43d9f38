/*
 * hvrelocs: the relocation table that lets hv.elf move itself (build tool).
 *
 * hv.elf is linked at HV_LOAD_ADDR and, at boot, copies itself to the top of
 * RAM below 4 GiB (hv/relocate.c).  Its C code is position-independent
 * (-fpie, every symbol hidden: PC-relative references move with the image),
 * so what must change are the absolute addresses the image holds: pointers in
 * data (R_X86_64_64) and the 32-bit code's operands (R_X86_64_32).  The link
 * keeps its relocations (ld --emit-relocs); this tool lists the image offset
 * of every such site and writes them as an assembler file for the .hvrelocs
 * section (linker.ld).  Entry: offset | HV_RELOC_32 for a 32-bit site.
 *
 * Everything the move could not adjust is an error that names the site:
 * R_X86_64_32S (a sign-extended 32-bit address breaks above 2 GiB), a GOT
 * (linker-made absolute addresses with no relocation), PC-relative
 * references to absolute or undefined symbols, unknown relocation types.
 *
 *   hvrelocs hv.elf > relocs.S
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/reloc.h"

struct elf {
	const uint8_t *data;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
};

static const char *prog = "hvrelocs";

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static const void *at(const struct elf *e, uint64_t off, uint64_t len)
{
	if (off > e->size || len > e->size - off)
		die("truncated ELF (offset 0x%llx)", (unsigned long long)off);
	return e->data + off;
}

static const char *sec_name(const struct elf *e, const Elf64_Shdr *s)
{
	const Elf64_Shdr *strs = &e->sh[e->eh->e_shstrndx];
	const char *names = at(e, strs->sh_offset, strs->sh_size);

	if (s->sh_name >= strs->sh_size)
		return "?";
	return names + s->sh_name;
}

static uint8_t *load(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die("%s: cannot read: %s", path, strerror(errno));
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("%s: cannot read: %s", path, strerror(errno));
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x & ~HV_RELOC_32) < (y & ~HV_RELOC_32) ? -1 :
	       (x & ~HV_RELOC_32) > (y & ~HV_RELOC_32);
}

/* The value of symbol `name` (the image's first byte, _image_start). */
static uint64_t find_symbol(const struct elf *e, const char *name)
{
	for (unsigned i = 0; i < e->eh->e_shnum; i++) {
		const Elf64_Shdr *s = &e->sh[i];
		const Elf64_Sym *syms;
		const char *strs;

		if (s->sh_type != SHT_SYMTAB)
			continue;
		syms = at(e, s->sh_offset, s->sh_size);
		strs = at(e, e->sh[s->sh_link].sh_offset, e->sh[s->sh_link].sh_size);
		for (size_t k = 0; k < s->sh_size / sizeof(*syms); k++)
			if (syms[k].st_name < e->sh[s->sh_link].sh_size &&
			    !strcmp(strs + syms[k].st_name, name))
				return syms[k].st_value;
	}
	die("no symbol %s", name);
}

int main(int argc, char **argv)
{
	struct elf e = { 0 };
	uint64_t base, image_end;
	uint32_t *out = NULL;
	size_t n = 0, cap = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s hv.elf > relocs.S\n", prog);
		return 2;
	}
	e.data = load(argv[1], &e.size);
	e.eh = at(&e, 0, sizeof(*e.eh));
	if (memcmp(e.eh->e_ident, ELFMAG, SELFMAG) || e.eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    e.eh->e_machine != EM_X86_64 || e.eh->e_shentsize != sizeof(Elf64_Shdr))
		die("%s: not an x86-64 ELF64 file", argv[1]);
	e.sh = at(&e, e.eh->e_shoff, (uint64_t)e.eh->e_shnum * sizeof(Elf64_Shdr));
	base = find_symbol(&e, "_image_start");
	image_end = find_symbol(&e, "_image_end");

	for (unsigned i = 0; i < e.eh->e_shnum; i++) {
		const Elf64_Shdr *rs = &e.sh[i], *target, *symtab;
		const Elf64_Rela *r;
		const Elf64_Sym *syms;
		const char *name = sec_name(&e, rs);

		if ((rs->sh_flags & SHF_ALLOC) && rs->sh_size &&
		    (!strcmp(name, ".got") || !strcmp(name, ".got.plt") || !strcmp(name, ".plt")))
			die("%s: the image has a %s section (%llu bytes): a symbol is reached "
			    "through the GOT; hv/visibility.h should prevent that", argv[1],
			    name, (unsigned long long)rs->sh_size);
		if (rs->sh_type == SHT_REL)
			die("%s: SHT_REL section %s: only RELA is expected", argv[1], name);
		if (rs->sh_type != SHT_RELA || rs->sh_info >= e.eh->e_shnum)
			continue;
		target = &e.sh[rs->sh_info];
		if (!(target->sh_flags & SHF_ALLOC))
			continue; /* debug information */
		symtab = &e.sh[rs->sh_link];
		syms = at(&e, symtab->sh_offset, symtab->sh_size);
		r = at(&e, rs->sh_offset, rs->sh_size);
		for (size_t k = 0; k < rs->sh_size / sizeof(*r); k++) {
			uint32_t type = ELF64_R_TYPE(r[k].r_info), symi = ELF64_R_SYM(r[k].r_info);
			uint16_t shndx;
			uint64_t site = r[k].r_offset;
			uint32_t width = 0;

			if ((uint64_t)symi >= symtab->sh_size / sizeof(*syms))
				die("%s: bad symbol index at 0x%llx", argv[1], (unsigned long long)site);
			shndx = syms[symi].st_shndx;
			switch (type) {
			case R_X86_64_64:
				width = 8;
				break;
			case R_X86_64_32:
				width = 4;
				break;
			case R_X86_64_PC32:
			case R_X86_64_PLT32:
			case R_X86_64_PC64:
				if (shndx == SHN_ABS || shndx == SHN_UNDEF)
					die("%s: PC-relative reference at 0x%llx to an absolute or "
					    "undefined symbol would break when the image moves",
					    argv[1], (unsigned long long)site);
				continue;
			case R_X86_64_16:
			case R_X86_64_8:
				if (shndx == SHN_ABS)
					continue;
				die("%s: 8/16-bit address of an image symbol at 0x%llx", argv[1],
				    (unsigned long long)site);
			case R_X86_64_32S:
				die("%s: R_X86_64_32S at 0x%llx: a sign-extended 32-bit address "
				    "breaks above 2 GiB; use RIP-relative addressing", argv[1],
				    (unsigned long long)site);
			default:
				die("%s: unexpected relocation type %u at 0x%llx", argv[1], type,
				    (unsigned long long)site);
			}
			if (shndx == SHN_ABS)
				continue; /* a constant, not an address in the image */
			if (shndx == SHN_UNDEF)
				die("%s: absolute reference at 0x%llx to an undefined symbol",
				    argv[1], (unsigned long long)site);
			if (site < base || site + width > image_end || site - base >= HV_RELOC_32)
				die("%s: relocation site 0x%llx outside the image", argv[1],
				    (unsigned long long)site);
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				out = realloc(out, cap * sizeof(*out));
				if (!out)
					die("out of memory");
			}
			out[n++] = (uint32_t)(site - base) | (width == 4 ? HV_RELOC_32 : 0);
		}
	}
	qsort(out, n, sizeof(*out), cmp_u32);
	printf("/* Generated by tools/hvrelocs: %zu sites. */\n", n);
	printf("\t.section .hvrelocs, \"a\"\n\t.balign 4\n");
	for (size_t k = 0; k < n; k++)
		printf("\t.long 0x%08x\n", out[k]);
	printf("\t.section .note.GNU-stack, \"\", @progbits\n");
	free(out);
	free((void *)e.data);
	return 0;
}
