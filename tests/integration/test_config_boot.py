"""The configuration module at boot, in Bochs: a configuration file written by
the test replaces the built-in default, its ranges show in the `config:` boot
lines and are enforced exactly as written (the guest's spp-config prober
writes one byte per sub-page and reports which writes took effect), and an
invalid file is refused with status 102 and a `config:LINE:` message.

Expected values are computed from the configuration text the test wrote.

Run: /usr/bin/python3 -m pytest -q tests/integration/test_config_boot.py
"""
import collections
import functools
import os
import re
import subprocess

from conftest import console_lines

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HVRUN = os.path.join(ROOT, "tools/hvrun")
RUN_TIMEOUT = 120
STATUS_BAD_CONFIG = 102
ALL_WRITABLE = 0xFFFFFFFF


def hvrun(*args, timeout=RUN_TIMEOUT):
    """tools/hvrun in Bochs: (exit status, console log)."""
    cmd = [HVRUN, "--timeout", str(timeout), *args]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout + 60)
    return p.returncode, p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")


SUFFIX = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
Range = collections.namedtuple("Range", "start end policy name line")


def conf_number(tok):
    mult = 1
    if tok[-1].lower() in SUFFIX:
        mult, tok = SUFFIX[tok[-1].lower()], tok[:-1]
    return (int(tok, 16) if tok.lower().startswith("0x") else int(tok, 10)) * mult


def parse_protects(text):
    """The protect directives (docs/config.md): START-END inclusive or
    START+SIZE, policy default deny, name default r0x<start>."""
    out = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        toks = raw.split("#", 1)[0].split()
        if not toks or toks[0] != "protect":
            continue
        if "+" in toks[1]:
            a, b = toks[1].split("+", 1)
            start = conf_number(a)
            end = start + conf_number(b) - 1
        else:
            a, b = toks[1].split("-", 1)
            start, end = conf_number(a), conf_number(b)
        policy, name = "deny", "r0x%x" % start
        for t in toks[2:]:
            if t.startswith("name="):
                name = t[5:]
            else:
                policy = t
        out.append(Range(start, end, policy, name, lineno))
    return sorted(out)


def range_of(ranges, addr):
    return next((r for r in ranges if r.start <= addr <= r.end), None)


HEX = r"0x([0-9a-f]+)"
PROBE = re.compile(r"^guest: spp probe page=%s mask=%s written=%s$" % (HEX, HEX, HEX))
LOCK = re.compile(r"^guest: spp lock gpa=%s len=%s ret=(-?\d+)$" % (HEX, HEX))
VIOLATION = re.compile(
    r"^spp-violation seq=(\d+) gpa=%s subpage=(\d+) rip=%s gla=%s cr3=%s "
    r"mode=(hw|sw) policy=(deny|log|halt) range=(\S+) tsc=(\d+)$" % (HEX, HEX, HEX, HEX))
RANGE_LINE = re.compile(r"^spp-range name=(\S+) violations=(\d+)$")
CONFIG_PROTECT = re.compile(r"info: config: protect %s-%s policy=(\w+) name=(\S+)$" % (HEX, HEX))


def lines(log):
    return console_lines(log)


# Protects pages 0x900000-0x903fff in four shapes; 0x904000 stays free.  The
# halt range lies outside the probed pages (a probe there would stop the run).
CUSTOM_CONF = """\
# integration test configuration (tests/integration/test_config_boot.py)
protect 0x900000-0x90007f deny name=t-first
protect 0x900800+0x100 log name=t-log       # sub-pages 16 and 17
protect 0x901000+8K name=t-two-pages        # policy defaults to deny
protect 0x903f80+128                        # name defaults to r0x903f80
protect 0xb00000+0x80 halt name=t-halt
spp hw
log-rate 1000/s
hypercall-lock off
"""
PROBE_PAGES = [0x900000, 0x901000, 0x902000, 0x903000, 0x904000]
LOCK_GPA = 0x904000
PROBE_ARGS = "mode=spp-config probe=%s lock=0x%x locklen=0x80" % (
    ",".join("0x%x" % p for p in PROBE_PAGES), LOCK_GPA)


@functools.lru_cache(maxsize=None)
def custom_run(tmpdir, cmdline):
    conf = os.path.join(tmpdir, "custom.conf")
    with open(conf, "w") as f:
        f.write(CUSTOM_CONF)
    return hvrun("--config", conf, "--cmdline", cmdline, "--guest-args", PROBE_ARGS)


def check_custom_run(status, log, mode):
    ranges = parse_protects(CUSTOM_CONF)
    assert status == 0, log[-3000:]
    # The boot report shows the module's configuration, not the default one.
    m = re.search(r"info: config: source=module memory-ranges=0 protect-ranges=(\d+) spp=(\w+) "
                  r"log-rate=1000/s hypercall-lock=off$", log, re.M)
    assert m and int(m.group(1)) == len(ranges) and m.group(2) == mode
    shown = [(int(a, 16), int(b, 16), p, n) for a, b, p, n in
             (CONFIG_PROTECT.search(l).groups() for l in lines(log) if CONFIG_PROTECT.search(l))]
    assert shown == [(r.start, r.end, r.policy, r.name) for r in ranges]
    subpages = sum((r.end - r.start + 1) // 128 for r in ranges)
    assert re.search(r"info: config: %d sub-pages protected" % subpages, log)
    assert "guard-first" not in log
    assert re.search(r"info: spp: mode=%s " % mode, log)
    # hypercall-lock off: the lock hypercall is refused with -EPERM.
    locks = [LOCK.match(l).groups() for l in lines(log) if LOCK.match(l)]
    assert locks == [("%x" % LOCK_GPA, "80", "-1")]
    # Every probed page: mask and effective writes as the file says.
    probes = {int(p, 16): (int(mk, 16), int(w, 16))
              for p, mk, w in (PROBE.match(l).groups() for l in lines(log) if PROBE.match(l))}
    assert sorted(probes) == PROBE_PAGES
    want_v = []
    for page in PROBE_PAGES:
        mask = written = 0
        for i in range(32):
            r = range_of(ranges, page + 128 * i)
            mask |= (r is None) << i
            written |= (r is None or r.policy == "log") << i
            if r:
                want_v.append((page + 128 * i + 64, r))
        assert probes[page] == (mask, written), "page 0x%x: got %s want %s" % (
            page, tuple(map(hex, probes[page])), (hex(mask), hex(written)))
    assert probes[LOCK_GPA] == (ALL_WRITABLE, ALL_WRITABLE)
    # One violation per protected sub-page probed, in probe order.
    got_v = [VIOLATION.match(l).groups() for l in lines(log) if l.startswith("spp-violation")]
    assert len(got_v) == len(want_v) and all(got_v), got_v[:3]
    for g, (gpa, r) in zip(got_v, want_v):
        assert (g[6], g[7], g[8], int(g[2])) == (mode, r.policy, r.name, (gpa >> 7) % 32)
        assert int(g[1], 16) >> 7 == gpa >> 7
        if mode == "hw":
            assert int(g[1], 16) == gpa
    per = collections.Counter(r.name for _, r in want_v)
    got_per = {m.group(1): int(m.group(2)) for m in map(RANGE_LINE.match, lines(log)) if m}
    assert got_per == {r.name: per.get(r.name, 0) for r in ranges}
    assert re.search(r"^spp-summary violations=%d logged=%d suppressed=0 mode=%s$" % (
        len(want_v), len(want_v), mode), log, re.M)


def test_config_module_hw(tmp_path):
    status, log = custom_run(str(tmp_path), "")
    check_custom_run(status, log, "hw")


def test_config_module_cmdline_spp_sw_overrides_file(tmp_path):
    status, log = custom_run(str(tmp_path), "spp=sw")
    check_custom_run(status, log, "sw")


def refused(tmp_path, text):
    conf = tmp_path / "bad.conf"
    conf.write_text(text)
    status, log = hvrun("--config", str(conf), "--guest-args", "mode=checks")
    assert status == STATUS_BAD_CONFIG, log[-3000:]
    assert "refused: invalid configuration (module)" in log
    assert "guest: start" not in log
    assert "hv-exit status=%d" % STATUS_BAD_CONFIG in lines(log)
    return log


def test_unaligned_range_names_line_and_column(tmp_path):
    text = ("# bad: line 4 is not sub-page aligned\n"
            "protect 0x900000+0x80 name=ok\n"
            "\n"
            "protect 0x900840+0x80 deny name=bad\n")
    log = refused(tmp_path, text)
    assert re.search(r"error: config:4:9: protect range not aligned to 128-byte sub-pages "
                     r"\(START and END\+1 must be multiples of 128\) \(near '0x900840\+0x80'\)$",
                     log, re.M), log[-2000:]


def test_unknown_directive(tmp_path):
    text = "protect 0x900000+128\nspp auto\nprotct 0x901000+128\n"
    log = refused(tmp_path, text)
    assert re.search(r"error: config:3:1: unknown directive \(near 'protct'\)$", log, re.M)


def test_overlapping_ranges_name_both_lines(tmp_path):
    text = ("protect 0x900000+0x100 name=a\n"
            "protect 0x901000+4K name=b\n"
            "# comment\n"
            "log-rate 10/s\n"
            "protect 0x901f80+0x100 log name=c\n")
    log = refused(tmp_path, text)
    # The later line is reported, naming the earlier; the token is the
    # canonical START-END of the later range.
    assert re.search(r"error: config:5: protect range overlaps protect range on line 2 "
                     r"\(near '0x901f80-0x90207f'\)$", log, re.M), log[-2000:]


def test_range_in_the_pool_is_refused_once_its_size_is_known(tmp_path):
    """The pool's bottom is fixed only after setup (hv/setup.c
    hv_pool_reserve); a range there passes the first check, which knows only
    the image, and must be refused by the second before the guest runs.
    0xff00000 is below the image at the top of the 256 MiB Bochs RAM and
    inside the 2 MiB or so of pool under it."""
    text = "protect 0x900000+128 name=fine\nprotect 0xff00000+128 name=in-pool\n"
    log = refused(tmp_path, text)
    m = re.search(r"pool 0x([0-9a-f]+)-0x([0-9a-f]+) ", log)
    assert not m, log[-3000:]  # refused before the pool is reported
    assert re.search(r"error: config:2: protect range overlaps hypervisor memory "
                     r"\(near '0xff00000-0xff0007f'\)$", log, re.M), log[-3000:]
    assert re.search(r"memory: hypervisor image moved from 0x6000000 to 0x([0-9a-f]+)-", log)
    assert "vmx: launching guest" not in log and "guest: " not in log, log[-3000:]
