"""tools/hvconf check: the host-side configuration checker (issue 4).  The
expected masks are computed here from the ranges each test writes, and the
error lines must be the ones the hypervisor prints for the same file."""
import os
import re
import subprocess

from conftest import ROOT

HVCONF = os.path.join(ROOT, "tools/hvconf")


def hvconf(*args):
    p = subprocess.run([HVCONF, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def writable_masks(ranges):
    """page -> 32-bit writable mask (bit i: sub-page i writable)."""
    masks = {}
    for start, end in ranges:
        for sub in range(start // 128, (end + 1) // 128):
            page = sub * 128 & ~0xFFF
            masks[page] = masks.get(page, 0xFFFFFFFF) & ~(1 << (sub % 32))
    return masks


def test_good_file_layout(tmp_path):
    ranges = [(0x900000, 0x90007F), (0x900F80, 0x90107F), (0x905000, 0x905FFF)]
    cfg = tmp_path / "good.conf"
    cfg.write_text("# test\n" + "".join(
        f"protect 0x{s:x}-0x{e:x} log name=r{i}\n" for i, (s, e) in enumerate(ranges)))
    rc, out, err = hvconf("check", str(cfg))
    assert rc == 0, err
    got = {int(p, 16): int(m, 16)
           for p, m in re.findall(r"^\s+0x([0-9a-f]+) writable 0x([0-9a-f]{8})", out, re.M)}
    assert got == writable_masks(ranges)
    subpages = sum((e + 1 - s) // 128 for s, e in ranges)
    assert f"pages: {len(got)} protected, {subpages} sub-pages protected" in out


def test_bad_file_is_refused_with_the_hypervisors_message(tmp_path):
    cfg = tmp_path / "bad.conf"
    cfg.write_text("spp auto\nprotect 0x900000-0x90007f\nprotect 0x900001+0x80 deny\n")
    rc, out, err = hvconf("check", str(cfg))
    assert rc == 1
    assert re.search(r"^config:3:9: protect range not aligned", err, re.M), err
    cfg.write_text("protect 0x900000+0x100\nprotect 0x900080+0x80 log\n")
    rc, out, err = hvconf("check", str(cfg))
    assert rc == 1 and re.search(r"^config:2: .*overlaps .*line 1", err, re.M), err


def test_usage_errors():
    assert hvconf()[0] == 2
    assert hvconf("check", "/nonexistent/file.conf")[0] == 2
