"""`make run`, exactly as the README says: the default guest mode (demo) writes
to each range of hv/default.conf and to a permitted neighbour; the log must
show the hypervisor's spp-violation lines with the policies, the deny ranges
keeping the old bytes and the log range the new ones, then spp-summary and
spp-range with non-zero counts, and the run must end with status 0."""
import os
import re
import subprocess

from conftest import ROOT, console_lines, parse_event

# hv/default.conf, read here rather than copied: name -> (start, end, policy).
CONF = os.path.join(ROOT, "hv/default.conf")
PROTECT = re.compile(r"^protect (0x[0-9a-f]+)([-+])(0x[0-9a-f]+|4K) (\w+) name=(\S+)", re.M)


def default_ranges():
    out = {}
    for start, sep, arg, policy, name in PROTECT.findall(open(CONF).read()):
        s = int(start, 16)
        n = 4096 if arg == "4K" else int(arg, 16)
        out[name] = (s, s + n - 1 if sep == "+" else n, policy)
    return out


def range_of(ranges, gpa):
    for name, (s, e, policy) in ranges.items():
        if s <= gpa <= e:
            return name, policy
    return None, None


def test_make_run_shows_protection():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    env.pop("HVRUN_ARGS", None)
    env.pop("CPU", None)
    p = subprocess.run(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=400)
    log = p.stdout + p.stderr
    assert p.returncode == 0, log
    ranges = default_ranges()
    assert set(ranges) == {"guard-first", "guard-last", "audit", "ro-page", "tripwire"}, \
        ranges
    lines = console_lines(p.stdout)
    events = [e for e in map(parse_event, lines) if e]
    assert "guest: start mode=demo hv=yes" in lines, log

    # What the guest saw, checked against the configuration (not against the
    # guest's own verdict).
    writes = [dict(re.findall(r"(\w+)=(\S+)", line)) | {"line": line}
              for line in lines if line.startswith("guest: demo write ")]
    assert len(writes) >= 6, log
    kinds = set()
    for w in writes:
        gpa, new, now, old = (int(w[k], 16) for k in ("gpa", "new", "now", "old"))
        name, policy = range_of(ranges, gpa)
        assert w["range"] == (name or "-"), w["line"]
        if policy == "deny":
            assert now == old != new, w["line"]
        else:
            assert now == new, w["line"]
        kinds.add(policy)
    # every default range but the halt one, and an unprotected neighbour
    assert {w["range"] for w in writes} == {"guard-first", "guard-last", "audit", "ro-page", "-"}
    assert kinds == {"deny", "log", None}

    # What the hypervisor logged.
    viol = [f for n, f in events if n == "spp-violation"]
    want = [(int(w["gpa"], 16), w["range"], w["policy"]) for w in writes if w["range"] != "-"]
    got = [(int(f["gpa"], 16), f["range"], f["policy"]) for f in viol]
    assert got == want, log
    assert all(f["mode"] in ("hw", "sw") for f in viol)
    names = [n for n, _ in events]
    assert names[-1] == "hv-exit" and events[-1][1]["status"] == "0", log
    summary = [f for n, f in events if n == "spp-summary"]
    assert len(summary) == 1 and int(summary[0]["violations"]) == len(want), log
    counts = {f["name"]: int(f["violations"]) for n, f in events if n == "spp-range"}
    expect = {name: sum(1 for _, r, _ in want if r == name) for name in ranges}
    assert counts == expect, log
    assert expect["tripwire"] == 0 and all(v > 0 for k, v in expect.items() if k != "tripwire")
    assert names.index("spp-summary") < names.index("spp-range") < names.index("hv-exit")


def test_make_docs_log_writes_a_complete_log():
    """docs/guest.md and docs/log-format.md send readers to `make docs-log`
    for a complete real log: it must exist afterwards, from the banner to
    hv-exit, with the demo's violations."""
    out = os.path.join(ROOT, "build/example-log.txt")
    if os.path.exists(out):
        os.unlink(out)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    env.pop("HVRUN_ARGS", None)
    env.pop("CPU", None)
    p = subprocess.run(["make", "--no-print-directory", "docs-log"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=400)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = open(out).read().splitlines()
    banner = [i for i, line in enumerate(lines)
              if re.match(r"hv\[\d+\] info: spphv \S+: sub-page write protection hypervisor$",
                          line)]
    assert banner, lines[:5]
    events = [e for e in map(parse_event, lines[banner[0]:]) if e]
    names = [n for n, _ in events]
    assert names.count("spp-violation") >= 6 and names[-1] == "hv-exit", lines
    assert events[-1][1] == {"status": "0"}
