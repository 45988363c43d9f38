"""Hardware task switches (issue 12, exit reason 9): the guest's mode=task
(guest/mode_task.c, guest/task_switch.S) switches tasks from legacy 32-bit
protected mode -- far JMP and CALL to a 32-bit TSS, IRET with NT back to the
caller, #UD and #GP through task gates in the IDT (the error code pushed on
the new task's stack), a JMP to a busy TSS (#GP), a fault loading the new
task's DS (#TS raised in the new task) -- and prints what every task saw.

The same guest booted natively by GRUB in the same Bochs machine is the
reference: each line must be the same under spphv, with hardware SPP and
with spp=sw.  The guest also checks the values the SDM prescribes (Vol. 3A
7.3, 7.4, 6.12.2; its exit status is 1 otherwise).  Before vmx/vmx_task.c
every task switch stopped the guest (status 116).

Run: /usr/bin/python3 -m pytest -q tests/integration/test_task.py
"""
import pytest

TIMEOUT = 90
MODES = {"hw": None, "sw": "spp=sw"}


def task_lines(r):
    """The guest's `task ...` lines, from the console ("| guest: ...")
    under spphv or the raw serial output natively."""
    key = "guest: task "
    return [l[l.index(key) + len("guest: "):] for l in r.lines() if key in l]


@pytest.fixture(scope="module")
def native(hvrun):
    r = hvrun(cpu="tigerlake", guest_args="mode=task", timeout=TIMEOUT, extra=("--native",))
    assert r.status == 120, r.log  # no hv-exit line natively
    lines = task_lines(r)
    assert len(lines) == 10 and not any("FAIL" in l for l in lines), r.log
    return lines


@pytest.mark.parametrize("spp", MODES)
def test_task_switches_match_native(hvrun, native, spp):
    r = hvrun(cpu="tigerlake", cmdline=MODES[spp], guest_args="mode=task", timeout=TIMEOUT)
    assert r.status == 0, r.log
    assert r.event("guest-task-switch") is None, r.log
    assert task_lines(r) == native
    # What the SDM says, independently of both runs (Vol. 3A 7.4: NT and the
    # back link for CALL and task gates, busy bits; 6.12.2: error codes).
    assert "task call b nt=1 tr=0x28 link=0x20" in native
    assert "task iret nt=0 tr=0x20 b-saved-nt=0 b-saved-eip=after-iret" in native
    assert ("task descriptors a=0x8b b=0x89 c=0x89 d=0x89 e=0x89 f=0x8b cr0.ts=1"
            in native)


@pytest.mark.parametrize("spp", MODES)
def test_task_state_write_onto_protected_subpage_is_refused(hvrun, spp):
    """B's TSS on the default configuration's `log` range (audit,
    0x801100-0x8011ff): saving B's state there would be a write the
    hypervisor makes for the guest into a protected sub-page, so it is not
    made; the run stops (116) with the reason."""
    r = hvrun(cpu="tigerlake", cmdline=MODES[spp], guest_args="mode=task tss-b=0x801100",
              timeout=TIMEOUT)
    assert r.status == 116, r.log
    assert r.event("guest-task-switch") == {"source": "jmp", "selector": "0x20",
                                            "reason": "tss-write-refused"}, r.log


def test_task_switches_match_native_on_icelake(hvrun):
    args = dict(cpu="corei7_icelake_u", guest_args="mode=task", timeout=TIMEOUT)
    native = hvrun(extra=("--native",), **args)
    assert native.status == 120, native.log
    r = hvrun(**args)
    assert r.status == 0, r.log
    assert len(task_lines(r)) == 10, r.log
    assert task_lines(r) == task_lines(native)
