"""MOV to CR0 / CR4 that exits (issue 12): the guest's mode=cr
(guest/mode_cr.c, guest/cr_switch.S), booted natively by GRUB in the same
Bochs machine and under spphv, must print the same line.

Under spphv CR0.NE, CR4.VMXE and CR4.SMXE are host-owned (SDM Vol. 3C
25.6.6), so a write that changes NE exits and vmx/vmx_cr.c emulates it.  The
guest enters IA-32e mode and PAE paging with such a write; what must happen
is the SDM's (Vol. 3A 10.8.5: EFER.LMA set; 4.4.1: the PDPTEs loaded), and
the native run is the reference.  Before vmx/vmx_cr.c the long case failed
VM entry (104), the PAE case triple-faulted (105: PDPTEs never loaded), and
NW-without-CD and CR0[63:32] writes were accepted instead of #GP, and a
CR0.CD change in an exiting write was lost (VM entry does not load CD/NW,
SDM Vol. 3C 27.3.2.1).

Run: /usr/bin/python3 -m pytest -q tests/integration/test_cr.py
"""
import pytest

TIMEOUT = 60


def cr_line(r, case):
    """The guest's result line, from the console ("| guest: ...") under
    spphv or the raw serial output natively."""
    key = f"guest: cr case={case} "
    lines = [l[l.index(key) + len("guest: "):] for l in r.lines() if key in l]
    assert len(lines) == 1, r.log
    return lines[0]


@pytest.mark.parametrize("case", ["long", "pae", "gp", "cd"])
def test_cr0_write_matches_native(hvrun, case):
    args = f"mode=cr case={case}"
    native = hvrun(cpu="tigerlake", guest_args=args, timeout=TIMEOUT, extra=("--native",))
    assert native.status == 120, native.log  # no hv-exit line natively
    r = hvrun(cpu="tigerlake", guest_args=args, timeout=TIMEOUT)
    assert r.status == 0, r.log
    assert cr_line(r, case) == cr_line(native, case)
    want = {"long": "cr case=long lma=1 cr0=same",
            "pae": "cr case=pae value=0x5a5ec0de cr0=same",
            "gp": "cr case=gp nw=13 nope=13 pg64=13 hi=13 cr0=same",
            "cd": "cr case=cd write=-1 read=as-written restore=-1 cr0=same"}[case]
    assert cr_line(r, case) == want, r.log


def test_pae_entry_through_cr0_on_icelake(hvrun):
    r = hvrun(cpu="corei7_icelake_u", guest_args="mode=cr case=pae", timeout=TIMEOUT)
    assert r.status == 0, r.log
    assert cr_line(r, "pae") == "cr case=pae value=0x5a5ec0de cr0=same", r.log


def test_cr4_vmxe_smxe_are_the_hypervisors(hvrun):
    """The guest is told it has no VMX and no SMX (CPUID.1:ECX bits 5, 6):
    it reads CR4.VMXE = CR4.SMXE = 0 although VMX operation keeps VMXE set,
    and setting either is #GP, as on such a CPU (SDM Vol. 2B MOV CR)."""
    r = hvrun(cpu="tigerlake", guest_args="mode=cr case=cr4", timeout=TIMEOUT)
    assert r.status == 0, r.log
    assert cr_line(r, "cr4") == ("cr case=cr4 vmx=0 smx=0 read-vmxe=0 read-smxe=0 "
                                 "vmxe=13 smxe=13 cr4=same"), r.log
