"""tools/hvrelocs, the build tool behind hv.elf's move to the top of RAM
(hv/relocate.c, issue 12): it must list every absolute address an image
holds and refuse what a move could not adjust.  Each test links a tiny image
of its own with the same flags as hv.elf (ld --emit-relocs) and reads the
offsets back independently of the tool's own ELF parsing: from `nm`."""
import os
import re
import subprocess

import pytest

from conftest import ROOT

HVRELOCS = os.path.join(ROOT, "build/hvrelocs")
RELOC_32 = 0x80000000
LINKER_SCRIPT = """ENTRY(start)
SECTIONS {
    . = 0x6000000;
    _image_start = .;
    .text : { *(.text) }
    .data : { *(.data) }
    _image_end = .;
}
"""


def link(tmp_path, asm):
    src, obj, elf, lds = (tmp_path / n for n in ("t.S", "t.o", "t.elf", "t.ld"))
    src.write_text(asm)
    lds.write_text(LINKER_SCRIPT)
    subprocess.run(["gcc", "-c", "-fpie", str(src), "-o", str(obj)], check=True, timeout=60)
    subprocess.run(["ld", "-q", "-static", "-no-pie", "-T", str(lds), "-o", str(elf), str(obj)],
                   check=True, timeout=60)
    syms = {}
    for line in subprocess.run(["nm", str(elf)], capture_output=True, text=True,
                               check=True, timeout=60).stdout.splitlines():
        value, _, name = line.split()
        syms[name] = int(value, 16)
    return elf, syms


def run_tool(elf):
    p = subprocess.run([HVRELOCS, str(elf)], capture_output=True, text=True, timeout=60)
    entries = [int(x, 16) for x in re.findall(r"^\s*\.long 0x([0-9a-f]+)$", p.stdout, re.M)]
    return p.returncode, entries, p.stderr


@pytest.fixture(scope="module", autouse=True)
def tool():
    assert os.path.isfile(HVRELOCS), "run make"


def test_lists_each_absolute_site(tmp_path):
    elf, syms = link(tmp_path, """
        .set CONSTANT, 0x1234
        .text
        .globl start
    start:
        .code32
    s32: movl $target, %eax          # 32-bit operand: a site
        .code64
        leaq target(%rip), %rax       # PC-relative: moves with the image
        call start
        movl $CONSTANT, %eax          # absolute constant: not an address
        .data
    s64: .quad target + 8            # pointer in data: a site
    sc:  .quad CONSTANT
    target: .quad 0
    """)
    rc, entries, err = run_tool(elf)
    base = syms["_image_start"]
    assert rc == 0, err
    # movl $imm32, %eax is b8 imm32: the operand one byte after the label.
    assert entries == [(syms["s32"] + 1 - base) | RELOC_32, syms["s64"] - base], entries


@pytest.mark.parametrize("asm,why", [
    ("movq $target, %rax", "R_X86_64_32S"),
    ("movq target, %rax", "R_X86_64_32S"),
])
def test_refuses_what_a_move_breaks(tmp_path, asm, why):
    elf, _ = link(tmp_path, f"""
        .text
        .globl start
    start:
        {asm}
        .data
    target: .quad 0
    """)
    rc, entries, err = run_tool(elf)
    assert rc == 1 and why in err and not entries, err


def test_hv_image_table_is_current():
    """The table hv.elf carries is the one its first link gives (the build
    compares them too); every site lies in the loaded image."""
    rc, entries, err = run_tool(os.path.join(ROOT, "build/hv-first-link.elf"))
    assert rc == 0, err
    with open(os.path.join(ROOT, "build/hv/relocs.S")) as f:
        carried = [int(x, 16) for x in re.findall(r"^\s*\.long 0x([0-9a-f]+)$", f.read(), re.M)]
    assert entries == carried and len(entries) > 100
    assert entries == sorted(entries, key=lambda e: e & ~RELOC_32)
