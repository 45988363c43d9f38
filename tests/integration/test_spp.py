"""Sub-page write protection end to end in Bochs: the test guest's SPP probe
modes (guest/spp_probe.c) against the default configuration (hv/default.conf)
in hardware and software mode, the halt policy, the log rate limit, and the
refusal on a CPU without the monitor trap flag.

Expected values come from the configuration text and from the stores the
guest announces (`guest: spp store ...` lines: address, size, instruction
address), never from the hypervisor's own output.  How many violations a
store makes follows the documented semantics, the same in both modes
(docs/spp.md, spp/spp_record.h): in each 4 KiB part of a store, a protected
sub-page holding the part's first byte is one violation at that byte, and
every other protected sub-page the store changed is one violation at its
first byte.  Bochs 2.7's hardware SPP checks only the first byte of each
part: a part whose first byte is writable makes no exit there, so the
stores that begin in a writable sub-page and run into a protected one
(`sw_only` in guest/spp_probe.c) run in software mode only.
A rep stosb is one store per iteration (the monitor trap flag fires after
each iteration, SDM Vol. 3C 26.5.2).

Run: /usr/bin/python3 -m pytest -q tests/integration/test_spp.py
"""
import collections
import functools
import os
import re
import subprocess

import pytest

from conftest import console_lines

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HVRUN = os.path.join(ROOT, "tools/hvrun")
DEFAULT_CONF = os.path.join(ROOT, "hv/default.conf")
RUN_TIMEOUT = 120

STATUS_NO_VMX = 101
STATUS_SPP_HALT = 108


def hvrun(*args, timeout=RUN_TIMEOUT):
    """tools/hvrun in Bochs: (exit status, console log)."""
    cmd = [HVRUN, "--timeout", str(timeout), *args]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout + 60)
    return p.returncode, p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")


@functools.lru_cache(maxsize=None)
def cached_run(*args):
    """Several tests assert on one boot: each distinct boot runs once."""
    return hvrun(*args)


# --- configuration model ------------------------------------------------------

SUFFIX = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
ALL_WRITABLE = 0xFFFFFFFF


def conf_number(tok):
    mult = 1
    if tok[-1].lower() in SUFFIX:
        mult, tok = SUFFIX[tok[-1].lower()], tok[:-1]
    return (int(tok, 16) if tok.lower().startswith("0x") else int(tok, 10)) * mult


def conf_range(tok):
    if "+" in tok:
        a, b = tok.split("+", 1)
        start = conf_number(a)
        return start, start + conf_number(b) - 1
    a, b = tok.split("-", 1)
    return conf_number(a), conf_number(b)


Range = collections.namedtuple("Range", "start end policy name line")


def parse_protects(text):
    """The protect directives of a configuration, per docs/config.md."""
    out = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        toks = raw.split("#", 1)[0].split()
        if not toks or toks[0] != "protect":
            continue
        start, end = conf_range(toks[1])
        policy, name = "deny", "r0x%x" % start
        for t in toks[2:]:
            if t.startswith("name="):
                name = t[5:]
            else:
                policy = t
        out.append(Range(start, end, policy, name, lineno))
    return out


def range_of(ranges, addr):
    for r in ranges:
        if r.start <= addr <= r.end:
            return r
    return None


def page_mask(ranges, page):
    return sum(1 << i for i in range(32) if not range_of(ranges, page + 128 * i))


def default_ranges():
    with open(DEFAULT_CONF) as f:
        return parse_protects(f.read())


# --- log parsing -----------------------------------------------------------------

HEX = r"0x([0-9a-f]+)"
VIOLATION = re.compile(
    r"^spp-violation seq=(\d+) gpa=%s subpage=(\d+) rip=%s gla=%s cr3=%s "
    r"mode=(hw|sw) policy=(deny|log|halt) range=(\S+) tsc=(\d+)$" % (HEX, HEX, HEX, HEX))
SUMMARY = re.compile(r"^spp-summary violations=(\d+) logged=(\d+) suppressed=(\d+) "
                     r"mode=(hw|sw|off)$")
RANGE_LINE = re.compile(r"^spp-range name=(\S+) violations=(\d+)$")
STORE = re.compile(r"^guest: spp store seq=(\d+) gpa=%s size=(\d+) count=(\d+) kind=(\w+) "
                   r"rip=%s name=(\S+)$" % (HEX, HEX))
LOCK = re.compile(r"^guest: spp lock gpa=%s len=%s ret=(-?\d+)$" % (HEX, HEX))
MASK = re.compile(r"^guest: spp mask page=%s mask=%s$" % (HEX, HEX))
CHECK = re.compile(r"^guest: check (\S+) (ok|FAIL)(.*)$")
DONE = re.compile(r"^guest: done passed=(\d+) failed=(\d+)$")
HV_EXIT = re.compile(r"^hv-exit status=(\d+)$")

Violation = collections.namedtuple("Violation", "seq gpa subpage rip gla cr3 mode policy range tsc")
Store = collections.namedtuple("Store", "gpa size count rip name")


def lines(log):
    return console_lines(log)


def violations(log):
    out = []
    for l in lines(log):
        if l.startswith("spp-violation"):
            m = VIOLATION.match(l)
            assert m, "violation line with wrong keys or order: %r" % l
            g = m.groups()
            out.append(Violation(int(g[0]), int(g[1], 16), int(g[2]), int(g[3], 16),
                                 int(g[4], 16), int(g[5], 16), g[6], g[7], g[8], int(g[9])))
    return out


def summary(log):
    """(violations, logged, suppressed, mode), {range name: violations}."""
    ls = lines(log)
    idx = [i for i, l in enumerate(ls) if l.startswith("spp-summary")]
    assert len(idx) == 1, "expected one spp-summary line"
    m = SUMMARY.match(ls[idx[0]])
    assert m, "bad summary line %r" % ls[idx[0]]
    per = {}
    for l in ls[idx[0] + 1:]:
        r = RANGE_LINE.match(l)
        if not r:
            break
        per[r.group(1)] = per.get(r.group(1), 0) + int(r.group(2))
    tail = [l for l in ls[idx[0] + 1:] if l and not RANGE_LINE.match(l)]
    assert tail and HV_EXIT.match(tail[0]), "hv-exit must follow the summary: %r" % tail[:2]
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)), per


def guest_results(log):
    checks = [CHECK.match(l).groups() for l in lines(log) if CHECK.match(l)]
    done = [DONE.match(l) for l in lines(log) if DONE.match(l)]
    return checks, done


def assert_guest_passed(log):
    checks, done = guest_results(log)
    failed = [c for c in checks if c[1] != "ok"]
    assert not failed, "guest checks failed: %s" % failed
    assert len(done) == 1 and int(done[0].group(2)) == 0 and int(done[0].group(1)) == len(checks)


# --- the violation model -----------------------------------------------------------

def store_writes(st):
    if st.count > 1:
        return [(st.gpa + i, 1) for i in range(st.count)]
    return [(st.gpa, st.size)]


def expected_for_store(st, ranges, mode):
    """[(gpa, Range)] violations one announced store must cause."""
    out = []
    for addr, n in store_writes(st):
        pos = addr
        while pos < addr + n:
            end = min((pos & ~0xFFF) + 0x1000, addr + n)
            first = range_of(ranges, pos)
            if first:
                out.append((pos, first))
            if first or mode == "sw":
                # The guest's stores change every byte they write.
                for sub in range((pos >> 7) + 1, ((end - 1) >> 7) + 1):
                    r = range_of(ranges, sub << 7)
                    if r:
                        out.append((sub << 7, r))
            pos = end
    return out


def walk_stores(log, config_ranges):
    """Pairs each announced store with the violation lines printed while it
    ran; lock lines (`ret=0`) add deny ranges named `lock` as they happen."""
    ranges = list(config_ranges)
    pairs, cur = [], None
    for l in lines(log):
        m = LOCK.match(l)
        if m and int(m.group(3)) == 0:
            start = int(m.group(1), 16)
            ranges.append(Range(start, start + int(m.group(2), 16) - 1, "deny", "lock", 0))
        m = STORE.match(l)
        if m:
            cur = (Store(int(m.group(2), 16), int(m.group(3)), int(m.group(4)),
                         int(m.group(6), 16), m.group(7)), list(ranges), [])
            pairs.append(cur)
            continue
        if l.startswith("guest: check"):
            cur = None
        elif l.startswith("spp-violation"):
            assert cur is not None, "violation outside any announced store: %r" % l
            cur[2].append(violations(l)[0])
    return pairs


def assert_violations_match(log, mode):
    """Every violation line, in order, is exactly what the model predicts."""
    cr3 = int(re.search(r"^guest: spp expect=\w+ cr3=0x([0-9a-f]+)$", "\n".join(lines(log)),
                        re.M).group(1), 16)
    want_per_range = collections.Counter()
    all_v = []
    for st, ranges, got in walk_stores(log, default_ranges()):
        want = expected_for_store(st, ranges, mode)
        assert len(got) == len(want), "store %s at 0x%x: %d violations, want %d (%s)" % (
            st.name, st.gpa, len(got), len(want), [(hex(a), r.name) for a, r in want])
        for v, (gpa, r) in zip(got, want):
            assert v.range == r.name and v.policy == r.policy, (st.name, v, r)
            assert v.mode == mode and v.cr3 == cr3 and v.rip == st.rip, (st.name, v)
            assert v.subpage == (gpa >> 7) % 32, (st.name, v)
            assert v.gpa == gpa and v.gla == gpa, (st.name, v)  # identity-mapped
            want_per_range[r.name] += 1
        all_v += got
    assert [v.seq for v in all_v] == list(range(1, len(all_v) + 1))
    assert all(a.tsc < b.tsc for a, b in zip(all_v, all_v[1:]))
    assert len(all_v) == len(violations(log)), "violation lines outside the stores"
    return want_per_range


def check_default_run(log, status, mode):
    assert status == 0, log[-3000:]
    assert re.search(r"info: spp: mode=%s " % mode, log)
    # Masks from the configuration text.
    ranges = default_ranges()
    # The first query of each page, made before the guest's lock hypercalls.
    masks = {}
    for m in map(MASK.match, lines(log)):
        if m:
            masks.setdefault(int(m.group(1), 16), int(m.group(2), 16))
    for page in (0x800000, 0x801000, 0x802000, 0x803000, 0x804000, 0x80F000):
        assert masks[page] == page_mask(ranges, page), hex(page)
    assert masks[0x8010C0] == page_mask(ranges, 0x801000)
    assert masks[0x40000000] == ALL_WRITABLE and masks[0x100800000] == ALL_WRITABLE
    assert_guest_passed(log)
    per_range = assert_violations_match(log, mode)
    (total, logged, suppressed, smode), got = summary(log)
    # Fewer violations than the default 100/s bucket holds: none suppressed.
    assert smode == mode and total == sum(per_range.values()) and suppressed == 0
    assert logged == total == len(violations(log))
    for r in ranges:
        assert got.get(r.name) == per_range.get(r.name, 0), r.name
    assert got.get("lock") == per_range["lock"]
    # The stores this run is built around, by name: deny (1+4+8 bytes),
    # repeated writes counted each time, log, ro-page and lock each caught.
    names = collections.Counter(st.name for st, _, v in walk_stores(log, ranges) if v)
    for n in ("deny-byte", "deny-dword", "deny-qword", "straddle-deny-to-writable",
              "repeat-1", "repeat-2", "repeat-3", "xchg-deny", "log-byte", "ro-byte",
              "cross-page-into-ro", "lock-byte", "lock-cross-page"):
        assert names[n] == 1, n
    assert per_range["guard-first"] >= 3 + 3 + 16  # 3 sizes, 3 repeats, rep stosb
    assert per_range["ro-page"] >= 32


def test_hw_tigerlake_default_config():
    status, log = cached_run("--cpu", "tigerlake", "--guest-args", "mode=spp")
    check_default_run(log, status, "hw")


def test_hw_icelake_default_config():
    status, log = cached_run("--cpu", "corei7_icelake_u", "--guest-args", "mode=spp")
    check_default_run(log, status, "hw")


def sw_run():
    return cached_run("--cpu", "tigerlake", "--cmdline", "spp=sw",
                      "--guest-args", "mode=spp expect=sw")


def test_sw_tigerlake_default_config():
    status, log = sw_run()
    check_default_run(log, status, "sw")


def test_sw_catches_store_running_into_protected_subpage():
    """A store starting in a writable sub-page that runs into a protected one
    (hardware SPP in Bochs checks only the first byte): software mode must
    catch it and report the protected sub-page."""
    status, log = sw_run()
    assert status == 0
    by_name = {st.name: v for st, _, v in walk_stores(log, default_ranges())}
    v = by_name["straddle-writable-to-deny"]
    assert [(x.range, x.subpage, x.policy) for x in v] == [("guard-last", 31, "deny")]
    v = by_name["log-straddle-from-writable"]
    assert [(x.range, x.subpage, x.policy) for x in v] == [("audit", 2, "log")]


def test_halt_policy_hw():
    status, log = hvrun("--guest-args", "mode=spp-halt")
    assert status == STATUS_SPP_HALT, log[-3000:]
    tripwire = [r for r in default_ranges() if r.policy == "halt"][0]
    v = violations(log)
    assert len(v) == 1
    assert (v[0].gpa, v[0].subpage, v[0].policy, v[0].range, v[0].mode) == (
        tripwire.start, (tripwire.start >> 7) % 32, "halt", tripwire.name, "hw")
    assert re.search(r"error: spp: write to halt range %s" % tripwire.name, log)
    assert "guest-exit" not in log and "guest: exit status" not in log
    (total, logged, suppressed, _), per = summary(log)
    assert (total, logged, per[tripwire.name]) == (1, 1, 1)
    assert "hv-exit status=%d" % STATUS_SPP_HALT in lines(log)


def test_halt_policy_sw_store_running_into_tripwire():
    """Software mode: an 8-byte store starting 4 bytes before the tripwire."""
    tripwire = [r for r in default_ranges() if r.policy == "halt"][0]
    status, log = hvrun("--cmdline", "spp=sw", "--guest-args",
                        "mode=spp-halt addr=0x%x size=8" % (tripwire.start - 4))
    assert status == STATUS_SPP_HALT, log[-3000:]
    v = violations(log)
    assert len(v) == 1
    assert (v[0].subpage, v[0].policy, v[0].range, v[0].mode) == (
        (tripwire.start >> 7) % 32, "halt", tripwire.name, "sw")
    # The store enters the tripwire at its first byte.
    assert v[0].gpa == v[0].gla == tripwire.start


def test_same_violations_give_identical_lines_in_both_modes():
    """The same guest (mode=spp, the stores both modes can see) in hardware
    and in software mode: the spp-violation lines are identical apart from
    mode= and tsc= (seq= too, by construction here), and so is the summary
    per range.  Before exact records, software mode printed the sub-page's
    base and gla=0x0 and hardware mode missed every sub-page after the
    first."""
    hw_status, hw_log = cached_run("--cpu", "tigerlake", "--guest-args", "mode=spp")
    sw_status, sw_log = cached_run("--cpu", "tigerlake", "--cmdline", "spp=sw",
                                   "--guest-args", "mode=spp")
    assert hw_status == 0 and sw_status == 0, (hw_log[-2000:], sw_log[-2000:])

    def key(v):
        return (v.seq, v.gpa, v.subpage, v.rip, v.gla, v.cr3, v.policy, v.range)

    hw, sw = violations(hw_log), violations(sw_log)
    assert len(hw) > 30, hw_log[-3000:]
    assert {v.mode for v in hw} == {"hw"} and {v.mode for v in sw} == {"sw"}
    for a, b in zip(hw, sw):
        assert key(a) == key(b), (a, b)
    assert len(hw) == len(sw)
    # Some violations are at addresses that are not a sub-page's start, some
    # are on sub-pages after the one a store began in: both exact.
    assert any(v.gpa % 128 for v in hw) and any(v.gla == v.gpa for v in hw)
    assert summary(hw_log)[1] == summary(sw_log)[1]


@pytest.mark.parametrize("mode", ["hw", "sw"])
def test_store_from_writable_into_protected_subpage(mode):
    """An 8-byte store at 0x800f7c: sub-page 30 writable, 31 guard-last
    (deny).  Software mode catches it: one violation at 0x800f80, bytes kept.
    Bochs 2.7's hardware SPP checks only the first byte's sub-page: no exit,
    the protected bytes are written.  This shows the emulator's behaviour,
    not the CPU's (docs/spp.md)."""
    args = ["--cpu", "tigerlake", "--guest-args", "mode=spp-first-byte"]
    if mode == "sw":
        args += ["--cmdline", "spp=sw"]
    status, log = hvrun(*args)
    assert status == 0, log[-3000:]
    changed = [l for l in lines(log) if l.startswith("guest: spp first-byte changed=")]
    v = violations(log)
    if mode == "sw":
        assert changed == ["guest: spp first-byte changed=0"], log[-3000:]
        assert [(x.gpa, x.gla, x.subpage, x.range, x.policy) for x in v] == [
            (0x800f80, 0x800f80, 31, "guard-last", "deny")]
    else:
        assert changed == ["guest: spp first-byte changed=4"], log[-3000:]
        assert v == []


def test_rate_limit(tmp_path):
    stores, rate = 2000, 5
    with open(DEFAULT_CONF) as f:
        text = re.sub(r"^log-rate .*$", "log-rate %d/s" % rate, f.read(), flags=re.M)
    conf = tmp_path / "rate.conf"
    conf.write_text(text)
    guard = [r for r in parse_protects(text) if r.name == "guard-first"][0]
    status, log = hvrun("--config", str(conf), "--guest-args",
                        "mode=spp-storm n=%d addr=0x%x" % (stores, guard.start))
    assert status == 0, log[-3000:]
    assert re.search(r"config: source=module .*log-rate=%d/s" % rate, log)
    assert "guest: spp storm done changed-bytes=0" in log
    (total, logged, suppressed, _), per = summary(log)
    assert total == stores and per[guard.name] == stores
    assert logged + suppressed == total
    # The bucket starts full (one second's worth) and refills at `rate` lines
    # per second of TSC time; the storm is far shorter than 2000/rate seconds.
    assert rate <= logged < 10 * rate
    assert len(violations(log)) == logged
    assert all(v.range == guard.name and v.policy == "deny" for v in violations(log))


def test_skylake_refuses_protect_ranges_without_mtf():
    status, log = hvrun("--cpu", "corei7_skylake_x", "--guest-args", "mode=checks")
    assert status == STATUS_NO_VMX, log[-3000:]
    assert re.search(r"error: refused: .*monitor trap flag", log)
    assert "guest: start" not in log


def test_skylake_spp_off_runs_guest():
    status, log = hvrun("--cpu", "corei7_skylake_x", "--cmdline", "spp=off",
                        "--guest-args", "mode=checks")
    assert status == 0, log[-3000:]
    assert_guest_passed(log)
    nprot = len(default_ranges())
    assert re.search(r"warn: spp=off: %d configured protect ranges are NOT enforced" % nprot, log)
    (total, logged, suppressed, mode), _ = summary(log)
    assert (total, logged, suppressed, mode) == (0, 0, 0, "off")
