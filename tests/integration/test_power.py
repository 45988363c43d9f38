"""The guest's power-off and reset paths (vmx/vmx_guest_power.c): each must
end the run through the hypervisor, with its event, the SPP summary and a
defined status, instead of resetting or switching off the emulated machine
under it (without the interception Bochs re-runs its BIOS or powers off with
no `hv-exit` line: hvrun status 120)."""
from conftest import STATUS_NO_FINAL_LINE

STATUS_GUEST_TRIPLE_FAULT = 105  # hv/status.h
STATUS_GUEST_RESET = 114
# Bochs's i440FX/PIIX4 ACPI: PM base 0xb000, PM1a control at +4; its DSDT's
# \_S5 package gives sleep type 0 (bochs/bios/acpi-dsdt.asl).
BOCHS_PM1A_CNT = 0xb004


def ends_with_summary(r, status):
    names = [n for n, _ in r.events()]
    assert r.status == status and r.hv_exit_status() == status, r.log
    assert r.status != STATUS_NO_FINAL_LINE
    assert names[-1] == "hv-exit" and "spp-summary" in names, r.log
    return names


def test_reset_through_cf9(hvrun):
    r = hvrun(cpu="tigerlake", guest_args="mode=reset-cf9")
    names = ends_with_summary(r, STATUS_GUEST_RESET)
    assert r.event("guest-reset") == {"via": "cf9"}, r.log
    assert names.index("guest-reset") < names.index("spp-summary")
    # 0xCF9 is emulated: the value written first (SYS_RST alone) reads back.
    assert "0xcf9 reads 0x2" in r.guest_lines(), r.log
    assert not [g for g in r.guest_lines() if g.startswith("FAIL")], r.log
    assert r.message("guest reset the machine (cf9)", level="error")


def test_reset_through_keyboard_controller(hvrun):
    r = hvrun(cpu="tigerlake", guest_args="mode=reset-kbd")
    ends_with_summary(r, STATUS_GUEST_RESET)
    assert r.event("guest-reset") == {"via": "kbd"}, r.log
    assert not [g for g in r.guest_lines() if g.startswith("FAIL")], r.log


def test_acpi_s5_powers_off_with_status_0(hvrun):
    r = hvrun(cpu="tigerlake", guest_args=f"mode=poweroff-s5 port={BOCHS_PM1A_CNT:#x} typ=0")
    names = ends_with_summary(r, 0)
    assert r.event("guest-poweroff") == {"via": "acpi-s5", "port": f"{BOCHS_PM1A_CNT:#x}"}, r.log
    assert names.index("guest-poweroff") < names.index("spp-summary")
    assert r.message("power: guest power-off via PM1a=0xb004 PM1b=0x0 (S5 type 0/0)")
    assert not [g for g in r.guest_lines() if g.startswith("FAIL")], r.log


def test_triple_fault_is_a_reset(hvrun):
    r = hvrun(cpu="tigerlake", guest_args="mode=triple-fault")
    ends_with_summary(r, STATUS_GUEST_TRIPLE_FAULT)
    assert r.event("guest-reset") == {"via": "triple-fault"}, r.log


def test_pci_config_dword_over_cf9_passes_through(hvrun):
    """A dword at 0xCF8 covers the trapped 0xCF9 and exits: it must still
    select the PCI configuration address (Bochs's host bridge is an Intel
    i440FX, vendor 0x8086 device 0x1237)."""
    r = hvrun(cpu="tigerlake", guest_args="mode=pci-id")
    assert r.status == 0, r.log
    assert "pci 0:0.0 id=0x12378086" in r.guest_lines(), r.log
