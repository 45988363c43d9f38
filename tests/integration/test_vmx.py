"""The guest under the hypervisor in Bochs (issue 3): the guest's self-checks
on every model with EPT, and each way a guest run can end: a write to
hypervisor memory, a triple fault, an exit with no handler, a failed VM entry,
hypercalls, and a guest that never ends.

About 12 Bochs boots of 5-10 s each; the checks runs are shared with
test_boot.py (conftest.checks_run).

Run: make all && /usr/bin/python3 -m pytest tests/integration/test_vmx.py
"""
import re
import struct

import pytest

from conftest import STATUS_TIMEOUT

# hv/status.h
STATUS_VMENTRY_FAIL = 104
STATUS_GUEST_TRIPLE_FAULT = 105
STATUS_UNHANDLED_EXIT = 106
STATUS_GUEST_EPT_FAULT = 107
HV_LOAD_ADDR = 0x6000000          # linker.ld HV_LOAD_ADDR, where loaders put hv.elf
EXIT_REASON_HLT = 12              # SDM Vol. 3C appendix C
ENOSYS = 38                       # Linux errno, docs/hypercalls.md
# The guest's checks (guest/checks.c): all need the hypervisor or the boot
# environment, none may be skipped under spphv.
GUEST_CHECKS = ["long-mode", "cpuid-hv", "cpuid-vmx-hidden", "hypercall-version",
                "hypercall-unknown", "vmx-ud", "feature-control", "mmap", "spp-area",
                "cmdline", "ram-rw", "ram-one-piece", "hv-load-area"]
SIGNATURE = "SubPageVisor"
DONE = re.compile(r"^done passed=(\d+) failed=(\d+)$")


def guest_ended_normally(r, status):
    """The guest ended through the exit hypercall with `status`."""
    assert r.status == status, r.log
    assert r.event("guest-exit") == {"status": str(status)}, r.log
    assert r.hv_exit_status() == status, r.log
    summary = r.event("spp-summary")
    assert summary is not None and summary["violations"] == "0", r.log


def guest_stopped(r, status, record):
    """The hypervisor stopped the guest: one error record starting with
    `record`, then the guest-state dump, no guest-exit event, hv-exit last."""
    assert r.status == status, r.log
    assert r.event("guest-exit") is None, r.log
    assert r.hv_exit_status() == status, r.log
    assert r.stdout.rstrip().splitlines()[-1] == f"hv-exit status={status}", r.log
    msg = r.message(record, level="error")
    dump = r.messages("guest: rip=", level="error")
    assert len(dump) == 1, f"no guest-state dump\n{r.log}"
    msgs = r.messages()
    assert msgs.index(msg) < msgs.index(dump[0]), r.log
    return msg


@pytest.mark.parametrize("cpu", ["tigerlake", "corei7_icelake_u", "corei7_skylake_x",
                                 "corei7_haswell_4770"])
def test_guest_checks_pass(checks_run, cpu):
    r = checks_run(cpu)
    guest_ended_normally(r, 0)
    lines = r.guest_lines()
    assert lines[0] == "start mode=checks hv=yes", r.log
    ok = [m[1] for m in map(re.compile(r"^check (\S+) ok$").match, lines) if m]
    assert ok == GUEST_CHECKS, r.log
    assert not [line for line in lines if "FAIL" in line or " skip " in line], r.log
    done = [m for m in map(DONE.match, lines) if m]
    assert len(done) == 1 and done[0].groups() == (str(len(GUEST_CHECKS)), "0"), r.log
    # The vmx-ud check's two #UDs (VMXON, VMREAD) are the only exceptions.
    assert len([line for line in lines if line.startswith("exception vector=6 ")]) == 2, r.log
    assert not [line for line in lines if line.startswith("exception ")
                and not line.startswith("exception vector=6 ")], r.log
    assert r.message("vmx: launching guest at "), r.log


def hv_memory(r):
    """(image, pool) as [start, end) pairs, from the hypervisor's report."""
    m = re.search(r"image 0x([0-9a-f]+)-0x([0-9a-f]+), pool 0x([0-9a-f]+)-0x([0-9a-f]+) ",
                  r.message("memory: hypervisor image 0x"))
    assert m, r.log
    a, b, c, d = (int(x, 16) for x in m.groups())
    return (a, b + 1), (c, d + 1)


def pool_range(r):
    return hv_memory(r)[1]


def test_image_moves_to_the_top_of_ram(checks_run):
    """hv.elf leaves its load address for the top of RAM below 4 GiB, with
    the pool right below it: the guest's RAM is one piece from 1 MiB (the
    checks run's ram-one-piece: its map and mem_upper end at the pool) and
    the load address is zeroed guest RAM (hv-load-area).  What the default
    configuration takes from the guest stays under 4 MiB (issue 12)."""
    r = checks_run("tigerlake")
    (img_start, img_end), (pool_start, pool_end) = hv_memory(r)
    assert r.message(f"memory: hypervisor image moved from {HV_LOAD_ADDR:#x} to "
                     f"{img_start:#x}-{img_end - 1:#x} "), r.log
    # Bochs's 256 MiB: usable RAM ends at 0xfff0000 (the ACPI tables above).
    assert img_end == 0xfff0000 and pool_end == img_start, r.log
    assert r.message(f"memory: guest RAM 0x100000-{pool_start - 1:#x}"), r.log
    assert len(r.messages("memory: guest RAM ")) == 1, r.log
    reserved = [t for t in r.messages("memory: ") if " KiB reserved from the guest: " in t]
    assert len(reserved) == 1, r.log
    m = re.match(r"memory: (\d+) KiB reserved from the guest: image (\d+) KiB, pool (\d+) KiB",
                 reserved[0])
    assert m and int(m[1]) == int(m[2]) + int(m[3]), r.log
    assert int(m[1]) * 1024 == img_end - pool_start, r.log
    assert int(m[1]) < 4096, r.log
    lines = r.guest_lines()
    assert "check ram-one-piece ok" in lines and "check hv-load-area ok" in lines, r.log


@pytest.mark.parametrize("hvmem,status", [("64M", 0), ("1G", 111), ("lots", 102)])
def test_hvmem_sizes_the_pool(hvrun, hvmem, status):
    """hvmem= asks for a larger pool; one the RAM cannot hold, or a value
    that is not a size, is refused before the guest runs."""
    r = hvrun(cpu="tigerlake", cmdline=f"hvmem={hvmem}", guest_args="mode=checks")
    assert r.hv_exit_status() == status, r.log
    if status == 0:
        start, end = pool_range(r)
        assert end - start == 64 << 20, r.log
        assert r.message(f"memory: guest RAM 0x100000-{start - 1:#x}"), r.log
        assert "check ram-one-piece ok" in r.guest_lines(), r.log
    elif status == 111:
        assert r.message("refused: no room below the hypervisor for ", level="error"), r.log
    else:
        assert r.message("refused: bad hvmem=lots ", level="error"), r.log


def test_write_hv_image_is_stopped(hvrun, checks_run):
    (target, _), _ = hv_memory(checks_run("tigerlake"))
    r = hvrun(cpu="tigerlake", guest_args=f"mode=write-hv-memory addr={target:#x}")
    assert hv_memory(r)[0][0] == target, r.log
    assert f"writing hypervisor memory at {target:#x}" in r.guest_lines(), r.log
    msg = guest_stopped(r, STATUS_GUEST_EPT_FAULT, "guest access outside guest memory:")
    assert f"gpa={target:#x} " in msg and "(write)" in msg, r.log
    assert "FAIL write to hypervisor memory returned" not in r.guest_lines(), r.log


def test_write_just_above_guest_ram_is_stopped(hvrun):
    """The guest's default target: the first byte its memory map does not
    give it, the bottom of the pool."""
    r = hvrun(cpu="tigerlake", guest_args="mode=write-hv-memory")
    start, _ = pool_range(r)
    assert f"writing hypervisor memory at {start:#x}" in r.guest_lines(), r.log
    msg = guest_stopped(r, STATUS_GUEST_EPT_FAULT, "guest access outside guest memory:")
    assert f"gpa={start:#x} " in msg and "(write)" in msg, r.log


def test_write_hv_pool_is_stopped(hvrun, checks_run):
    """The page pool (EPT, VMCS, copies of the modules) is outside the EPT
    too.  It ends at the top of RAM below 4 GiB and its start moves with the
    modules' sizes, so the target is its last page, read from the tigerlake
    checks run."""
    _, end = pool_range(checks_run("tigerlake"))
    target = end - 0x1000
    assert target < 1 << 32
    r = hvrun(cpu="tigerlake", guest_args=f"mode=write-hv-memory addr={target:#x}")
    start, end = pool_range(r)
    assert start <= target and target + 8 <= end, r.log
    msg = guest_stopped(r, STATUS_GUEST_EPT_FAULT, "guest access outside guest memory:")
    assert f"gpa={target:#x} " in msg and "(write)" in msg, r.log


def test_vmx_instruction_in_guest_is_ud(hvrun):
    r = hvrun(cpu="tigerlake", guest_args="mode=vmx-insn")
    guest_ended_normally(r, 0)
    lines = r.guest_lines()
    assert "#UD ok" in lines, r.log
    assert any(line.startswith("exception vector=6 name=#UD ") for line in lines), r.log


def test_triple_fault_stops_guest(hvrun):
    r = hvrun(cpu="tigerlake", guest_args="mode=triple-fault")
    assert "triple fault now" in r.guest_lines(), r.log
    msg = guest_stopped(r, STATUS_GUEST_TRIPLE_FAULT, "guest triple fault")
    assert msg == "guest triple fault: stopping the guest", r.log
    assert "FAIL triple fault returned" not in r.guest_lines(), r.log


def test_unhandled_exit_stops_guest(hvrun):
    """test-unhandled-exit turns on HLT exiting, which has no handler."""
    r = hvrun(cpu="tigerlake", cmdline="test-unhandled-exit", guest_args="mode=hlt")
    assert "hlt with interrupts disabled" in r.guest_lines(), r.log
    msg = guest_stopped(r, STATUS_UNHANDLED_EXIT, "unhandled VM exit:")
    assert msg.startswith(f"unhandled VM exit: reason={EXIT_REASON_HLT} (HLT) "), r.log


def test_vm_entry_failure(hvrun):
    r = hvrun(cpu="tigerlake", cmdline="test-entry-fail")
    assert r.messages("test: corrupting guest TR", level="warn"), r.log
    msg = guest_stopped(r, STATUS_VMENTRY_FAIL, "VM-entry failure")
    # A TR that is not a busy TSS fails the guest-state checks: the entry
    # "succeeds" as an exit with reason 33 (SDM Vol. 3C 27.8).
    assert msg.startswith("VM-entry failure: exit reason 33 "), r.log
    assert not r.guest_lines(), f"the guest ran\n{r.log}"


def hypercall_result(r):
    lines = r.guest_lines()
    ret = [m for m in map(re.compile(r"^hypercall fn=(\d+) ret=(-?\d+)$").match, lines) if m]
    out = [m for m in map(re.compile(r"^hypercall out (.*)$").match, lines) if m]
    assert len(ret) == 1 and len(out) == 1, r.log
    regs = {k: int(v, 16) for k, v in re.findall(r"(\w+)=0x([0-9a-f]+)", out[0][1])}
    return int(ret[0][1]), int(ret[0][2]), regs


def test_hypercall_version(hvrun):
    r = hvrun(cpu="tigerlake", guest_args="mode=hypercall-raw fn=0")
    guest_ended_normally(r, 0)
    fn, ret, regs = hypercall_result(r)
    assert fn == 0 and ret > 0, r.log
    assert struct.pack("<III", regs["ebx"], regs["ecx"], regs["edx"]).decode() == SIGNATURE


def test_hypercall_unknown_function(hvrun):
    r = hvrun(cpu="tigerlake", guest_args="mode=hypercall-raw fn=12345")
    guest_ended_normally(r, 0)
    fn, ret, regs = hypercall_result(r)
    assert (fn, ret) == (12345, -ENOSYS), r.log
    assert regs["eax"] == (-ENOSYS) & 0xffffffff, r.log


def test_guest_that_never_ends_times_out(hvrun):
    r = hvrun(cpu="tigerlake", guest_args="mode=spin", timeout=20)
    assert r.status == STATUS_TIMEOUT, r.log
    assert "spinning" in r.guest_lines(), r.log
    assert r.hv_exit_status() is None and r.event("guest-exit") is None, r.log
    assert "hvrun: timeout after 20 s" in r.stderr, r.log
