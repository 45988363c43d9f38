"""Application processors are parked in VMX root operation (hv/smp.c): a
guest that sends INIT-SIPI-SIPI, as an OS starting its CPUs would, cannot run
code on another processor outside the EPT.  Booted natively on two CPUs
(QEMU) the same guest mode does start an AP, which shows the check can fail."""
import os
import subprocess

from conftest import GUEST_ELF, ROOT


def test_guest_cannot_start_parked_ap():
    r = subprocess.run(
        [os.path.join(ROOT, "tools/hvrun"), "--smp", "2", "--timeout", "90",
         "--guest-args", "mode=wake-ap"],
        capture_output=True, text=True, timeout=180)
    log = r.stdout
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
