"""Shared helpers for the emulator tests: run tools/hvrun, parse its log.

    def test_x(hvrun):
        r = hvrun(cpu="tigerlake", guest_args="mode=vmx-insn")
        assert r.status == 0, r.log
        assert r.event("guest-exit") == {"status": "0"}

hvrun runs are cached for the session by their arguments, so test files that
boot the same configuration (e.g. the checks run on tigerlake) share one run.
Pass cache=False for a run that must be fresh.

Log lines (docs/log-format.md), parsed by tools/hvlog.py:
    hv[TSC] LEVEL: message       prose record
    name key=value key=value     event (spp-violation, guest-exit, hv-exit, ...)
    | guest: ...                 the guest's own console output, marked
"""
import os
import shutil
import subprocess
import sys
import warnings

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import hvlog  # noqa: E402
HVRUN = os.path.join(ROOT, "tools/hvrun")
HV_ELF = os.path.join(ROOT, "build/hv.elf")
GUEST_ELF = os.path.join(ROOT, "build/guest.elf")
# The folders whose sources end up in hv.elf (guest.elf: guest/).
HV_SOURCE_DIRS = ("boot", "hv", "vmx", "ept", "spp", "drivers")

# hvrun's own statuses (tools/hvrun, docs/hvrun.md).
STATUS_NO_FINAL_LINE = 120
STATUS_EMU_FAILED = 121
STATUS_TIMEOUT = 124

# Bochs reaches the guest in about 5 s and a guest mode takes a few more.
BOCHS_TIMEOUT = 60
QEMU_TIMEOUT = 30
# hvrun itself builds an ISO and kills the emulator after its own timeout.
HARNESS_SLACK = 60

parse_kv = hvlog.parse_kv


def parse_event(line):
    """An event line `name key=value ...` -> (name, dict), else None.  Prose
    records (`hv[...] ...`) and guest lines (`| ...`) are not events."""
    rec = hvlog.parse_line(line)
    return (rec.name, rec.fields) if rec.kind == "event" else None


def parse_prose(line):
    """A prose record -> (tsc, level, message), else None."""
    rec = hvlog.parse_line(line)
    return (rec.tsc, rec.level, rec.message) if rec.kind == "prose" else None


def console_lines(log):
    """The log's lines with each guest line's mark removed (for tests that
    match the guest's own `guest: ...` lines; events and prose records keep
    their place, and a guest line can never be taken for one by
    parse_event)."""
    return [r.text if r.kind == "guest" else r.line.rstrip() for r in hvlog.parse(log)]


class HvRunResult:
    """One tools/hvrun run: its exit status and everything it printed."""

    def __init__(self, args, status, stdout, stderr):
        self.args = args
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.log = stdout + stderr

    def __repr__(self):
        return f"<hvrun {' '.join(self.args)} -> {self.status}>"

    def lines(self):
        return [line.rstrip() for line in self.log.splitlines()]

    def events(self, name=None):
        """[(name, fields)] for every event line, or [fields] for one name."""
        evs = [e for e in map(parse_event, self.stdout.splitlines()) if e]
        if name is None:
            return evs
        return [fields for n, fields in evs if n == name]

    def event(self, name):
        """The fields of the last `name` event, or None."""
        evs = self.events(name)
        return evs[-1] if evs else None

    def prose(self, level=None):
        """[(tsc, level, message)] of the hypervisor's prose records."""
        recs = [r for r in map(parse_prose, self.stdout.splitlines()) if r]
        return [r for r in recs if level is None or r[1] == level]

    def messages(self, prefix="", level=None):
        """Messages of prose records starting with prefix."""
        return [m for _, _, m in self.prose(level) if m.startswith(prefix)]

    def message(self, prefix, level=None):
        """The one prose message starting with prefix (asserts exactly one)."""
        found = self.messages(prefix, level)
        assert len(found) == 1, f"{len(found)} records start with {prefix!r}\n{self.log}"
        return found[0]

    def guest_lines(self):
        """The test guest's `guest: ...` lines (marked on the console), without
        the prefix."""
        return [t[len("guest: "):] for t in hvlog.guest_lines(hvlog.parse(self.stdout))
                if t.startswith("guest: ")]

    def hv_exit_status(self):
        ev = self.event("hv-exit")
        return int(ev["status"]) if ev else None


def hvrun_args(emu="bochs", cpu=None, boot=None, cmdline=None, guest_args=None,
               config=None, megs=None, timeout=None, hv=None, guest=None, extra=()):
    """The tools/hvrun argument list (always with --timeout, never --quiet:
    the log is read from its stdout)."""
    if timeout is None:
        timeout = BOCHS_TIMEOUT if emu == "bochs" else QEMU_TIMEOUT
    args = ["--emu", emu, "--timeout", str(timeout)]
    for flag, val in (("--hv", hv), ("--guest", guest), ("--cpu", cpu), ("--boot", boot),
                      ("--cmdline", cmdline), ("--guest-args", guest_args),
                      ("--config", config), ("--megs", megs)):
        if val is not None:
            args += [flag, str(val)]
    return args + list(extra), timeout


def run_hvrun(**kw):
    """Runs tools/hvrun (keywords as hvrun_args) and returns HvRunResult."""
    args, timeout = hvrun_args(**kw)
    try:
        p = subprocess.run([HVRUN, *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout + HARNESS_SLACK)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"tools/hvrun {' '.join(args)} did not end within "
                    f"{timeout + HARNESS_SLACK} s:\n{(e.stdout or b'').decode(errors='replace')}")
    return HvRunResult(args, p.returncode, p.stdout.decode("utf-8", "replace"),
                       p.stderr.decode("utf-8", "replace"))


def _newest_source(dirs, extra=()):
    newest, path = 0.0, None
    files = [os.path.join(ROOT, p) for p in extra]
    for d in dirs:
        for dirpath, _, names in os.walk(os.path.join(ROOT, d)):
            files += [os.path.join(dirpath, f) for f in names
                      if f.endswith((".c", ".h", ".S", ".ld", ".conf"))]
    for p in files:
        t = os.path.getmtime(p)
        if t > newest:
            newest, path = t, p
    return newest, path


@pytest.fixture(scope="session", autouse=True)
def built_images(tmp_path_factory):
    """(hv.elf, guest.elf) as this session runs them: copies of build/'s, so a
    rebuild during the session cannot mix two builds.  Both must exist (the
    Makefile's `integration` target runs `make all` first); an image older
    than its sources only warns, since work in progress elsewhere in the tree
    may not build yet."""
    missing = [p for p in (HV_ELF, GUEST_ELF) if not os.path.isfile(p)]
    if missing:
        pytest.fail(f"{', '.join(os.path.relpath(p, ROOT) for p in missing)} missing: "
                    "run `make all` (or `make integration`) first", pytrace=False)
    for image, dirs, extra in ((HV_ELF, HV_SOURCE_DIRS, ("linker.ld",)),
                               (GUEST_ELF, ("guest",), ())):
        newest, path = _newest_source(dirs, extra)
        if os.path.getmtime(image) < newest:
            warnings.warn(f"{os.path.relpath(image, ROOT)} is older than "
                          f"{os.path.relpath(path, ROOT)}: the tests run the old image "
                          "(run `make all`)")
    snap = tmp_path_factory.mktemp("images")
    copies = []
    for image in (HV_ELF, GUEST_ELF):
        dest = str(snap / os.path.basename(image))
        shutil.copyfile(image, dest)
        copies.append(dest)
    return tuple(copies)


@pytest.fixture(scope="session")
def hvrun(built_images):
    """A function hvrun(**kw) -> HvRunResult (keywords as hvrun_args; hv and
    guest default to the session's copies), cached per argument list for the
    session; hvrun(..., cache=False) boots again."""
    results = {}

    def run(cache=True, **kw):
        kw.setdefault("hv", built_images[0])
        kw.setdefault("guest", built_images[1])
        key = tuple(hvrun_args(**kw)[0])
        if cache and key in results:
            return results[key]
        result = run_hvrun(**kw)
        if cache:
            results[key] = result
        return result

    return run


# The guest's `checks` mode on the Bochs models of /work/shared/PLATFORM.md.
# Models without the monitor trap flag refuse the default configuration's
# protect ranges (status 101), so they run with spp=off.
CHECKS_CMDLINE = {
    "tigerlake": None,
    "corei7_icelake_u": None,
    "corei7_skylake_x": "spp=off",
    "corei7_haswell_4770": "spp=off",
}


@pytest.fixture(scope="session")
def checks_run(hvrun):
    """checks_run(cpu) -> the (cached) `mode=checks` run on that Bochs model;
    test_boot.py reads its capability report, test_vmx.py its guest checks."""
    def run(cpu):
        return hvrun(cpu=cpu, cmdline=CHECKS_CMDLINE[cpu], guest_args="mode=checks")
    return run
