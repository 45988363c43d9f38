"""tools/hvrun itself: it never leaves an emulator or its temporary directory
behind, checks its dependencies before starting anything, refuses what the
emulator would refuse in one line, and decodes QEMU's debug-exit status."""
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import HVRUN, STATUS_EMU_FAILED, STATUS_NO_FINAL_LINE, STATUS_TIMEOUT

EMULATORS = ("bochs-bin", "qemu-system-x86_64")


def procs_under(path):
    """{pid: argv[0]} of the processes whose command line or working directory
    lies under path (hvrun starts the emulator with cwd=its temp dir, and its
    command line names files in it)."""
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            try:
                cwd = os.readlink(f"/proc/{pid}/cwd")
            except OSError:
                cwd = ""
        except OSError:
            continue
        text = b" ".join(argv).decode("utf-8", "replace")
        if str(path) in text or cwd.startswith(str(path)):
            found[int(pid)] = os.path.basename(argv[0].decode("utf-8", "replace"))
    return found


def wait_for_emulator(tmp_path, proc, deadline=30):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        names = procs_under(tmp_path).values()
        if any(n in EMULATORS for n in names):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def start_hvrun(tmp_path, *args):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    env.pop("HVRUN_KEEP", None)
    return subprocess.Popen([HVRUN, "--quiet", "--timeout", "60", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def assert_nothing_left(tmp_path):
    # Give the kernel a moment to tear down a killed process.
    end = time.monotonic() + 3
    while procs_under(tmp_path) and time.monotonic() < end:
        time.sleep(0.05)
    left = procs_under(tmp_path)
    for pid in left:  # never leave them to the next test, even on failure
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert not left, f"processes of the run remain: {left}"
    assert os.listdir(tmp_path) == [], "hvrun left its temporary directory"


@pytest.mark.parametrize("emu,sig", [("bochs", signal.SIGTERM), ("bochs", signal.SIGINT),
                                     ("bochs", signal.SIGHUP), ("qemu", signal.SIGTERM)])
def test_signal_mid_boot_kills_the_emulator(tmp_path, emu, sig):
    # The QEMU run uses the slow UEFI path so that it is still booting when
    # the signal arrives; mode=hlt keeps the Bochs guest running too.
    args = ["--emu", emu, "--guest-args", "mode=hlt"]
    if emu == "qemu":
        args += ["--boot", "uefi"]
    proc = start_hvrun(tmp_path, *args)
    try:
        assert wait_for_emulator(tmp_path, proc), proc.communicate()
        time.sleep(0.5)  # mid-boot: BIOS or GRUB
        os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert_nothing_left(tmp_path)
    assert proc.returncode == 128 + sig, err
    assert f"stopped by {signal.Signals(sig).name}" in err.decode()


def test_sigkill_of_hvrun_still_kills_the_emulator(tmp_path):
    # hvrun gets no chance to clean up; the parent-death signal it sets in
    # the child must end the emulator (its temp dir is then left, as expected).
    proc = start_hvrun(tmp_path, "--guest-args", "mode=hlt")
    assert wait_for_emulator(tmp_path, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    end = time.monotonic() + 5
    while any(n in EMULATORS for n in procs_under(tmp_path).values()) \
            and time.monotonic() < end:
        time.sleep(0.05)
    left = {p: n for p, n in procs_under(tmp_path).items() if n in EMULATORS}
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left


def test_timeout_kills_the_emulator(tmp_path):
    # The guest halts forever with the hypervisor intercepting nothing.
    env = dict(os.environ, TMPDIR=str(tmp_path))
    r = subprocess.run([HVRUN, "--quiet", "--timeout", "4", "--guest-args", "mode=hlt"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == STATUS_TIMEOUT, r.stderr
    assert "timeout after 4 s" in r.stderr
    assert_nothing_left(tmp_path)


def test_emulator_failure_leaves_nothing(tmp_path):
    # A hypervisor image Bochs boots but that is not ours: GRUB refuses it and
    # the run ends by timeout or without hv-exit; either way nothing remains.
    bogus = tmp_path / "bogus.elf"
    bogus.write_bytes(b"\x7fELF" + b"\0" * 60)
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, TMPDIR=str(work))
    r = subprocess.run([HVRUN, "--quiet", "--timeout", "15", "--hv", str(bogus)],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode in (STATUS_NO_FINAL_LINE, STATUS_TIMEOUT), r.stderr
    assert_nothing_left(work)


@pytest.mark.parametrize("args,present,missing", [
    ([], ("grub-mkrescue", "xorriso"), "bochs-bin (Debian package bochs)"),
    (["--emu", "qemu"], (), "qemu-system-x86_64 (Debian package qemu-system-x86)"),
    (["--emu", "qemu", "--boot", "iso"], ("qemu-system-x86_64",),
     "grub-mkrescue (Debian package grub-common), xorriso (Debian package xorriso)"),
])
def test_missing_program_named_in_one_line(tmp_path, args, present, missing):
    # PATH holds only the programs in `present`: hvrun must refuse before
    # building or starting anything and name exactly what is missing and the
    # Debian package it comes from.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in present:
        real = subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True,
                              text=True).stdout.strip()
        assert real, f"{tool} is not installed (tools/install-deps)"
        os.symlink(real, bindir / tool)
    env = dict(os.environ, PATH=str(bindir), TMPDIR=str(tmp_path))
    r = subprocess.run([sys.executable, HVRUN, "--quiet", *args], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == STATUS_EMU_FAILED, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("hvrun: cannot start ") and f"missing {missing}; " in lines[0], \
        lines[0]
    assert [p for p in os.listdir(tmp_path) if p.startswith("hvrun.")] == []


def test_megs_above_bochs_limit_refused_in_one_line():
    r = subprocess.run([HVRUN, "--megs", "4096"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "hvrun: --megs 4096: Bochs 2.7 emulates at most 2048 MiB of RAM "
        "(use --emu qemu for more)"]


def test_qemu_debug_exit_status_decoded():
    # console=e9: no UART, so no hv-exit line reaches hvrun; the hypervisor's
    # status 101 (QEMU TCG has no VMX) arrives only as QEMU's exit code 203.
    r = subprocess.run([HVRUN, "--emu", "qemu", "--quiet", "--timeout", "30",
                        "--cmdline", "console=e9"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 101, r.stderr
    assert "debug-exit device reported status 101 (exit code 203 = (101<<1)|1)" \
        in r.stderr


@pytest.mark.parametrize("emu,emulator,reason", [
    ("bochs", "bochs-bin", "cpu directive malformed"),
    ("qemu", "qemu-system-x86_64", "unable to find CPU model 'nonesuch'")])
def test_emulator_refusal_explained_in_one_line(tmp_path, emu, emulator, reason):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    r = subprocess.run([HVRUN, "--emu", emu, "--cpu", "nonesuch", "--quiet", "--timeout", "30"],
                       env=env, capture_output=True, text=True, timeout=90)
    assert r.returncode == STATUS_NO_FINAL_LINE, r.stderr
    first = r.stderr.splitlines()[0]
    assert first.startswith(f"hvrun: {emulator} refused to run: ") and reason in first, r.stderr
    assert_nothing_left(tmp_path)
