"""Application processors are parked in VMX root operation (hv/smp.c): a
guest that sends INIT-SIPI-SIPI, as an OS starting its CPUs would, cannot run
code on another processor outside the EPT.  Booted natively on two CPUs
(QEMU) the same guest mode does start an AP, which shows the check can fail.

Every processor the ACPI MADT lists as enabled is parked, or the guest is not
launched (status 113); each parked processor takes NMIs on its own stacks in
hypervisor memory."""
import os
import subprocess

import pytest

from conftest import GUEST_ELF, ROOT

HVRUN = os.path.join(ROOT, "tools/hvrun")
STATUS_SMP = 113


def hvrun_smp(smp, guest_args, cmdline=None, timeout=90):
    cmd = [HVRUN, "--smp", str(smp), "--timeout", str(timeout), "--guest-args", guest_args]
    if cmdline:
        cmd += ["--cmdline", cmdline]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 90,
                       stdin=subprocess.DEVNULL)
    return r, r.stdout


def test_guest_cannot_start_parked_ap():
    r, log = hvrun_smp(2, "mode=wake-ap")
    assert "smp: parked 1 application processor(s) in VMX root operation" in log, log
    assert "guest: no application processor started" in log, log
    assert r.returncode == 0, log


def test_wake_ap_detects_a_started_ap_natively():
    r = subprocess.run(
        ["qemu-system-x86_64", "-smp", "2", "-m", "128", "-kernel", GUEST_ELF,
         "-append", "mode=wake-ap", "-display", "none", "-serial", "stdio", "-no-reboot",
         "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
        capture_output=True, text=True, timeout=60)
    assert "guest: FAIL an application processor started guest code" in r.stdout, r.stdout
    assert r.returncode == (1 << 1) | 1, r.stdout


def test_ap_nmi_stack_in_hv_memory():
    """An AP whose TR kept its reset base 0 would read its NMI stack pointer
    (IST1) from guest-physical 0x24.  The guest points that at a page of its
    own, sends an NMI to all other processors and checks the page and the
    first 256 bytes unchanged; the exit hypercall then shows the hypervisor
    still runs.  Before per-CPU TSSs the frame landed in the guest's page
    ("192 byte(s) of guest memory changed")."""
    r, log = hvrun_smp(2, "mode=nmi-ap")
    assert "guest: IST1 at 0x24 points at 0x7000; sending NMI to all other processors" in log, log
    assert "guest: NMI to the other processors left guest memory unchanged" in log, log
    assert "guest: FAIL" not in log, log
    assert r.returncode == 0, log


def test_all_madt_cpus_parked():
    """--smp 4: the MADT lists 4 processors, all 3 APs parked and the guest's
    INIT-SIPI-SIPI starts none.  --smp 3 with ap-max=1: the MADT lists more
    APs than the hypervisor parks, so it refuses to launch with one line and
    status 113 instead of leaving one outside VMX root operation."""
    r, log = hvrun_smp(4, "mode=wake-ap", timeout=120)
    assert "smp: the MADT lists 4 enabled processor(s)" in log, log
    assert "smp: parked 3 application processor(s) in VMX root operation" in log, log
    assert "guest: no application processor started" in log, log
    assert r.returncode == 0, log

    r, log = hvrun_smp(3, "mode=wake-ap", cmdline="ap-max=1")
    assert "smp: the MADT lists 3 enabled processor(s)" in log, log
    refusals = [line for line in log.splitlines() if "refused:" in line]
    assert len(refusals) == 1, log
    assert "refused: the MADT lists 2 application processor(s), more than the 1 " \
        "this hypervisor parks (ap-max)" in refusals[0], log
    assert "guest: start" not in log, log
    assert "smp: parked" not in log, log
    assert r.returncode == STATUS_SMP, log


def test_trampoline_page_out_of_guest_reach():
    """The AP trampoline page stays (a late processor runs the hypervisor's
    code, never bytes the guest wrote there): a guest write to it is an
    access outside guest memory (status 107)."""
    r, log = hvrun_smp(2, "mode=write-hv-memory addr=0x8000")
    assert "guest: writing hypervisor memory at 0x8000" in log, log
    assert "FAIL write to hypervisor memory returned" not in log, log
    assert r.returncode == 107, log


def cpus_line(log):
    # Under spphv guest lines carry the console's guest marker ("| ").
    lines = [line.split("guest: cpus ", 1)[1] for line in log.splitlines()
             if line.startswith(("guest: cpus ", "| guest: cpus "))]
    assert len(lines) == 1, log
    return dict(w.split("=", 1) for w in lines[0].split() if "=" in w)


@pytest.mark.parametrize("smp", [2, 4])
def test_guest_sees_one_cpu(smp):
    """Differential: the guest mode `cpus` counts enabled processors in the
    ACPI MADT and the MP table where an OS finds them, and reads the CPUID
    leaves that count logical processors.  Booted natively by GRUB in the
    same Bochs machine it sees every CPU (and Bochs's leaf 4 / 0BH values);
    under spphv one, with valid checksums (the mode fails on a bad one)."""
    native = subprocess.run(
        [HVRUN, "--native", "--smp", str(smp), "--timeout", "60", "--guest-args", "mode=cpus"],
        capture_output=True, text=True, timeout=150, stdin=subprocess.DEVNULL)
    n = cpus_line(native.stdout)
    assert n["madt"] == str(smp) and n["mp"] == str(smp), native.stdout
    assert n["cpuid4-cores"] != "1" and n["cpuidb-smt"] != "1", native.stdout

    r, log = hvrun_smp(smp, "mode=cpus", timeout=120)
    g = cpus_line(log)
    assert g == {"madt": "1", "mp": "1", "cpuid1-logical": "1", "cpuid4-cores": "1",
                 "cpuidb-smt": "1", "cpuidb-core": "1"}, log
    assert "acpi: the guest's MADT at 0x" in log, log
    assert f"lists 1 enabled processor(s); {smp - 1} marked disabled" in log, log
    assert r.returncode == 0, log
