"""UEFI boot in QEMU TCG: the hybrid BIOS+UEFI GRUB ISO under OVMF.

Under OVMF the loader data (modules, boot information) may lie below 1 MiB and
the multiboot `mem_upper` field means nothing: the hypervisor must work from the
multiboot2 memory-map tag.  It must reach the same point as the BIOS ISO boot:
the boot report, then the no-VMX refusal (status 101).

Run: /usr/bin/python3 -m pytest tests/integration/test_uefi.py
"""
import hashlib
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_netboot as nb  # noqa: E402  (shared boot-report helpers)

HYBRID_ISO = os.path.join(nb.ROOT, "build/hv-hybrid.iso")
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
CMDLINE = "loglevel=4 path=uefi"
GUEST_ARGS = "x=1 y"


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return nb.snapshot_images(tmp_path_factory)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture(scope="module")
def config_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("uefi") / "uefi.conf"
    path.write_text(nb.TEST_CONFIG)
    return str(path)


def boot(images, kind, config):
    rc, log = nb.run_hvrun(images, "--boot", kind, "--config", config, "--cmdline", CMDLINE,
                           "--guest-args", GUEST_ARGS)
    rep = nb.check_report(rc, log, 2, "GRUB", [("guest", GUEST_ARGS, images[1]),
                                               ("config", "", config)], "module")
    return rep, log


@pytest.fixture(scope="module")
def uefi_boot(images, config_file):
    before = sha256(OVMF_VARS)
    result = boot(images, "uefi", config_file)
    # Each run works on its own copy of the variable store.
    assert sha256(OVMF_VARS) == before
    return result


@pytest.fixture(scope="module")
def bios_boot(images, config_file):
    return boot(images, "iso", config_file)


def test_uefi_boot_report(uefi_boot):
    rep, log = uefi_boot
    assert "BdsDxe" in log, f"OVMF did not boot the ISO\n{log}"
    assert rep["boot"]["cmdline"] == CMDLINE, log
    assert [m["string"] for m in rep["modules"]] == [f"guest {GUEST_ARGS}", "config"], log
    nb.check_config_content(rep, log)


def test_uefi_memory_map(uefi_boot):
    """loglevel=4 prints the map: the report is derived from it, and every
    module lies inside RAM the map describes (possibly below 1 MiB)."""
    rep, log = uefi_boot
    mmap = rep["mmap"]
    assert mmap, f"no mmap lines at loglevel=4\n{log}"
    # OVMF's map is fragmented (boot services, ACPI, runtime ranges): far
    # more entries than a BIOS e820 map.
    assert len(mmap) > 4, log
    for m in rep["modules"]:
        assert any(s <= m["start"] and m["end"] - 1 <= e for s, e, _ in mmap), \
            f"module {m['index']} outside the memory map\n{log}"


def test_uefi_reaches_same_point_as_bios(uefi_boot, bios_boot):
    (u, ulog), (b, blog) = uefi_boot, bios_boot
    both = f"--- UEFI ---\n{ulog}\n--- BIOS ---\n{blog}"
    assert u["order"] == b["order"], both
    assert u["boot"]["loader"] == b["boot"]["loader"], both
    assert u["boot"]["cmdline"] == b["boot"]["cmdline"], both
    assert [m["string"] for m in u["modules"]] == [m["string"] for m in b["modules"]], both
    assert [m["end"] - m["start"] for m in u["modules"]] == \
        [m["end"] - m["start"] for m in b["modules"]], both
    assert u["config"] == b["config"], both
    assert u["refused"] == b["refused"], both


def xorriso(*args):
    p = subprocess.run(["xorriso", "-indev", HYBRID_ISO, *args], capture_output=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    return p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")


def test_hybrid_iso_layout(tmp_path):
    """build/hv-hybrid.iso (make): El Torito entries for BIOS and UEFI, an EFI
    system partition image with the removable-media loader, and one grub.cfg
    booting hv.elf with multiboot2 plus the guest and config modules."""
    assert os.path.isfile(HYBRID_ISO), "run make build/hv-hybrid.iso"
    report = xorriso("-report_el_torito", "plain")
    platforms = [line.split(":", 1)[1].split()[1] for line in report.splitlines()
                 if line.startswith("El Torito boot img :")]
    assert sorted(platforms) == ["BIOS", "UEFI"], report
    efi_img = tmp_path / "efi.img"
    cfg = tmp_path / "grub.cfg"
    xorriso("-osirrox", "on", "-extract", "/efi.img", str(efi_img),
            "-extract", "/boot/grub/grub.cfg", str(cfg))
    p = subprocess.run(["mdir", "-b", "-i", str(efi_img), "::/efi/boot"],
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert b"bootx64.efi" in p.stdout.lower(), p.stdout
    lines = [line.strip() for line in cfg.read_text().splitlines()]
    assert "multiboot2 /boot/hv.elf" in lines
    assert "module2 /boot/guest.elf guest" in lines
    assert "module2 /boot/hv.conf config" in lines
