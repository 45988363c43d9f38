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


def test_file_without_ranges(tmp_path):
    # What a Linux guest needs: `spp auto` and nothing to protect.  Used to end
    # in UBSan's "null pointer passed as argument 1" (qsort(NULL, 0, ...)).
    cfg = tmp_path / "noranges.conf"
    cfg.write_text("spp auto\n")
    rc, out, err = hvconf("check", str(cfg))
    assert rc == 0, err
    assert err == ""
    assert "ranges: 0\n" in out
    assert "pages: 0 protected, 0 sub-pages protected" in out


def test_protect_above_4gib_refused_like_the_hypervisor(tmp_path):
    # The hypervisor's validator refuses this even where RAM is declared; it
    # is the same code in hvconf, with the same words and no "(at end of line)".
    # The hypervisor's memory named below the `memory` line (by default it
    # is the top 16 MiB below 4 GiB, inside it).
    cfg = tmp_path / "high.conf"
    cfg.write_text("memory 0x8000000-0x1ffffffff\nprotect 0x100000000+128\n")
    rc, out, err = hvconf("check", str(cfg), "--ram", "8G", "--reserve", "0x7000000+16M")
    assert rc == 1
    assert err.splitlines()[0] == (
        "config:2: protect range above 4 GiB (spphv protects the first 4 GiB only) "
        "(near '0x100000000-0x10000007f')"), err
