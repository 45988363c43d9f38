"""Boot paths and the capability checks (issue 2).

QEMU TCG has no VMX: booted with -kernel (multiboot1) and from the GRUB ISO
(multiboot2) the hypervisor must print its banner and boot report and then
refuse with status 101.  Bochs models: the `vmx-caps:` report must match
/work/shared/PLATFORM.md, and a model without EPT must be refused.

Run: make all && /usr/bin/python3 -m pytest tests/integration/test_boot.py
"""
import os
import re

import pytest

from conftest import STATUS_NO_FINAL_LINE, STATUS_TIMEOUT, parse_kv

STATUS_NO_VMX = 101
BANNER = re.compile(r"^spphv \d+\.\d+\.\d+: sub-page write protection hypervisor$")
BOOT = re.compile(r'^boot: loader="(.*)" protocol=multiboot(\d) cmdline="(.*)"$')
MEMORY = re.compile(r"^memory: (\d+) map entries, (\d+) KiB usable$")
MODULE = re.compile(r'^module: (\d+) 0x([0-9a-f]+)-0x([0-9a-f]+) "(.*)"$')
REFUSED_NO_VMX = ("refused: this CPU has no VMX (CPUID.1:ECX.VMX[bit 5] = 0); spphv needs "
                  "Intel VT-x with EPT and unrestricted guest")
REFUSED_NO_EPT = ("refused: this CPU has no EPT (IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 1); "
                  "spphv needs extended page tables for memory protection")
MEGS = 256
CMDLINE = "loglevel=3 tb=boot"
GUEST_ARGS = "x=1 y"
TEST_CONFIG = "# test_boot\nprotect 0x800000-0x80007f deny name=tb\n"


@pytest.fixture(scope="module")
def config_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("boot") / "tb.conf"
    path.write_text(TEST_CONFIG)
    return str(path)


def boot_report(r):
    """Checks the banner and boot report common to every path; returns
    (boot match, [(index, start, end, string)])."""
    msgs = r.messages()
    assert msgs and BANNER.match(msgs[0]), f"no banner first\n{r.log}"
    boot = [b for b in map(BOOT.match, msgs) if b]
    assert len(boot) == 1, r.log
    mem = [m for m in map(MEMORY.match, msgs) if m]
    assert len(mem) == 1, r.log
    entries, kib = int(mem[0][1]), int(mem[0][2])
    assert entries >= 2, r.log
    # Usable RAM: most of -m/megs (firmware keeps some), never more.
    assert (MEGS - 16) * 1024 <= kib <= MEGS * 1024, r.log
    mods = [(int(m[1]), int(m[2], 16), int(m[3], 16), m[4]) for m in map(MODULE.match, msgs) if m]
    assert [m[0] for m in mods] == list(range(len(mods))), r.log
    # Order: banner, boot, memory, modules, then the CPU line.
    idx = {k: next(i for i, m in enumerate(msgs) if m.startswith(k))
           for k in ("boot:", "memory:", "cpu:")}
    assert 0 < idx["boot:"] < idx["memory:"] < idx["cpu:"], r.log
    return boot[0], mods


def check_no_vmx_refusal(r):
    assert r.status == STATUS_NO_VMX, f"status {r.status}, expected the no-VMX refusal\n{r.log}"
    assert r.message("cpu:").endswith(" vmx=no"), r.log
    refused = r.message("refused:", level="error")
    assert refused.startswith(REFUSED_NO_VMX), r.log
    # The refusal is the last record and hv-exit the last line.
    assert r.messages()[-1] == refused, r.log
    assert r.stdout.rstrip().splitlines()[-1] == f"hv-exit status={STATUS_NO_VMX}", r.log
    assert not r.messages("vmx-caps:"), "capabilities read on a CPU without VMX"


def check_module_sizes(mods, files):
    assert len(mods) == len(files)
    for (_, start, end, _), path in zip(mods, files):
        # End exclusive: the whole file arrived.
        assert end - start == os.path.getsize(path)
        assert start % 4096 == 0, "modules must be page-aligned (module alignment tag / flag)"


def test_qemu_kernel_multiboot1(hvrun, built_images, config_file):
    hv_elf, guest_elf = built_images
    r = hvrun(emu="qemu", boot="kernel", cmdline=CMDLINE, guest_args=GUEST_ARGS,
              config=config_file, megs=MEGS)
    boot, mods = boot_report(r)
    assert boot[1] == "qemu" and boot[2] == "1", r.log
    # QEMU puts the kernel's file name in front of -append.
    assert boot[3].split() == [hv_elf, *CMDLINE.split()], r.log
    # QEMU -initrd passes "FILE ARGS" as each module's string.
    assert [m[3] for m in mods] == [f"{guest_elf} guest {GUEST_ARGS}",
                                    f"{config_file} config"], r.log
    check_module_sizes(mods, [guest_elf, config_file])
    check_no_vmx_refusal(r)


def test_qemu_grub_iso_multiboot2(hvrun, built_images, config_file):
    r = hvrun(emu="qemu", boot="iso", cmdline=CMDLINE, guest_args=GUEST_ARGS,
              config=config_file, megs=MEGS)
    assert "Booting `spphv'" in r.log, f"GRUB did not boot the entry\n{r.log}"
    boot, mods = boot_report(r)
    assert boot[1].startswith("GRUB ") and boot[2] == "2", r.log
    assert boot[3] == CMDLINE, r.log
    # GRUB passes a module's arguments only, without its file name.
    assert [m[3] for m in mods] == [f"guest {GUEST_ARGS}", "config"], r.log
    check_module_sizes(mods, [built_images[1], config_file])
    # Multiboot2 hands over the ACPI RSDP (used for the ACPI power-off).
    assert re.fullmatch(r"acpi: rsdp=0x[0-9a-f]+", r.message("acpi:")), r.log
    check_no_vmx_refusal(r)


def test_console_e9_still_ends(hvrun):
    """console=e9 moves the hypervisor's records to port 0xE9 (nothing there
    in QEMU without a debugcon device): hvrun, which reads COM1, sees no
    hv-exit line, but the run still ends by itself and the hypervisor's status
    reaches QEMU's isa-debug-exit device as (101 << 1) | 1 = 203, which hvrun
    decodes into the hypervisor's status."""
    r = hvrun(emu="qemu", boot="kernel", cmdline="console=e9")
    assert r.status == 101, r.log
    assert "debug-exit device reported status 101 (exit code 203 = (101<<1)|1)" \
        in r.stderr, r.log
    # Only the banner, printed on COM1 before the command line is read.
    assert len(r.prose()) == 1 and BANNER.match(r.messages()[0]), r.log


def test_console_unknown_name_falls_back_to_com1(hvrun):
    r = hvrun(emu="qemu", boot="kernel", cmdline="console=nonesuch,9600")
    boot_report(r)
    check_no_vmx_refusal(r)


CAPS_EXPECTED = {
    # /work/shared/PLATFORM.md, "VMX features by Bochs CPU model".
    "tigerlake": dict(EPT="yes", MTF="yes", SPP="yes"),
    "corei7_icelake_u": dict(EPT="yes", MTF="yes", SPP="yes"),
    "corei7_skylake_x": dict(EPT="yes", MTF="no", SPP="no"),
    "corei7_haswell_4770": dict(EPT="yes", MTF="no", SPP="no"),
}


def vmx_caps(r):
    """All `vmx-caps:` records together (split between whole items); no
    record may be cut in the middle of an item."""
    recs = r.messages("vmx-caps:")
    assert recs, r.log
    items = [w for m in recs for w in m[len("vmx-caps:"):].split()]
    assert all(re.fullmatch(r"[A-Za-z0-9/-]+=(yes|no)", w) for w in items), recs
    caps = parse_kv(" ".join(items))
    assert len(caps) == len(items) == 26, recs
    return caps


@pytest.mark.parametrize("cpu", sorted(CAPS_EXPECTED))
def test_bochs_capability_report(checks_run, cpu):
    r = checks_run(cpu)
    assert r.status not in (STATUS_TIMEOUT, STATUS_NO_FINAL_LINE), r.log
    boot, _ = boot_report(r)
    assert boot[1].startswith("GRUB ") and boot[2] == "2", r.log
    assert r.message("cpu:").startswith("cpu: vendor=GenuineIntel "), r.log
    assert r.message("cpu:").endswith(" vmx=yes"), r.log
    caps = vmx_caps(r)
    want = dict(CAPS_EXPECTED[cpu], **{"unrestricted-guest": "yes", "VPID": "yes",
                                       "EPT-2M": "yes", "EPT-1G": "yes", "EPT-A/D": "yes",
                                       "TRUE-controls": "yes"})
    assert {k: caps.get(k) for k in want} == want, r.log
    # The raw MSRs follow the report (tests/unit/test_vmx_caps_bochs.c uses them).
    assert len(r.messages("vmx-msrs:")) == 2, r.log
    spp = r.message("spp: mode=")
    # Models without MTF run with spp=off (conftest.CHECKS_CMDLINE).
    assert spp.startswith("spp: mode=hw " if caps["MTF"] == "yes" else "spp: mode=off "), r.log
    assert f"(cpu spp={CAPS_EXPECTED[cpu]['SPP']} mtf={CAPS_EXPECTED[cpu]['MTF']})" in spp, r.log


def test_bochs_bx_generic_refused_for_missing_ept(hvrun):
    """bx_generic has VMX but no secondary control for EPT."""
    r = hvrun(cpu="bx_generic")
    assert r.status == STATUS_NO_VMX, r.log
    assert r.message("cpu:").endswith(" vmx=yes"), r.log
    caps = vmx_caps(r)
    assert (caps["EPT"], caps["unrestricted-guest"], caps["MTF"], caps["SPP"]) == \
        ("no", "no", "no", "no"), r.log
    assert r.message("refused:", level="error") == REFUSED_NO_EPT, r.log
    assert r.messages()[-1] == REFUSED_NO_EPT, r.log
    assert r.hv_exit_status() == STATUS_NO_VMX, r.log
    assert not r.messages("vmx: VMXON"), r.log
