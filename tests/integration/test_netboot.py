"""Network boot in QEMU TCG: GRUB's BIOS network image (multiboot2) and an iPXE
script (multiboot1), both over QEMU's user-network TFTP server with Debian's
iPXE ROM.  TCG has no VMX, so each boot must end in the no-VMX refusal
(status 101) after the hypervisor has reported the loader, the memory map, the
modules and the configuration it received.

Run: /usr/bin/python3 -m pytest tests/integration/test_netboot.py
"""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HVRUN = os.path.join(ROOT, "tools/hvrun")
MKNETBOOT = os.path.join(ROOT, "tools/mknetboot")
HV = os.path.join(ROOT, "build/hv.elf")
# The hypervisor only measures the guest module before refusing: while the
# test guest is not built, any file stands in for it.
GUEST = os.path.join(ROOT, "build/guest.elf")
if not os.path.isfile(GUEST):
    GUEST = HV
NETBOOT_DIR = os.path.join(ROOT, "build/netboot")
DEFAULT_CONFIG = os.path.join(ROOT, "hv/default.conf")
STATUS_NO_VMX = 101
BOOT_TIMEOUT = 90
MEGS = 256

# Two ranges (the default configuration has five): a report of two protect
# ranges proves the module, not the built-in default, was used.
TEST_CONFIG = """\
# netboot test configuration
protect 0x800000-0x80007f deny name=nb-first
protect 0x802000+4K log name=nb-page
"""
TEST_CONFIG_PROTECTS = 2

LINE = re.compile(r"^hv\[\d+\] (\w+): (.*)$")
BOOT = re.compile(r'^boot: loader="(.*)" protocol=multiboot(\d) cmdline="(.*)"$')
MEMORY = re.compile(r"^memory: (\d+) map entries, (\d+) KiB usable")
MMAP = re.compile(r"^mmap: 0x([0-9a-f]+)-0x([0-9a-f]+) type=(\d+)$")
MODULE = re.compile(r'^module: (\d+) 0x([0-9a-f]+)-0x([0-9a-f]+) "(.*)"$')
CPU = re.compile(r"^cpu: vendor=\S+ .*vmx=(yes|no)$")
CONFIG = re.compile(r"^config: source=(\S+)(.*)$")


def snapshot_images(tmp_path_factory):
    """Private copies of hv.elf and the guest: module sizes are compared with
    the very files booted, even if build/ is rebuilt meanwhile."""
    d = tmp_path_factory.mktemp("images")
    hv, guest = str(d / "hv.elf"), str(d / "guest.elf")
    shutil.copyfile(HV, hv)
    shutil.copyfile(GUEST, guest)
    return hv, guest


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return snapshot_images(tmp_path_factory)


def run_hvrun(images, *args, timeout=BOOT_TIMEOUT):
    """tools/hvrun as a subprocess: (exit status, console log)."""
    hv, guest = images
    cmd = [HVRUN, "--emu", "qemu", "--hv", hv, "--guest", guest, "--megs", str(MEGS),
           "--timeout", str(timeout), *args]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout + 60)
    out = p.stdout.decode("utf-8", "replace")
    return p.returncode, out + p.stderr.decode("utf-8", "replace")


def module_role(string):
    """Mirror of bootinfo_module_role(): tokens holding '/' or ':' (paths,
    URLs) are skipped; the next token is the role, the rest its arguments."""
    toks = string.split()
    while toks and ("/" in toks[0] or ":" in toks[0]):
        toks.pop(0)
    if not toks:
        return None, ""
    return toks[0], " ".join(toks[1:])


def parse_report(log):
    """The hypervisor's boot report, in the order it was printed."""
    rep = {"boot": None, "memory": None, "mmap": [], "modules": [], "cpu": None,
           "config": None, "refused": None, "order": []}
    for raw in log.splitlines():
        m = LINE.match(raw.strip())
        if not m:
            continue
        level, msg = m.groups()
        if level == "error" and msg.startswith("refused:"):
            rep["refused"] = msg
            rep["order"].append("refused")
        elif (b := BOOT.match(msg)):
            rep["boot"] = {"loader": b[1], "protocol": int(b[2]), "cmdline": b[3]}
            rep["order"].append("boot")
        elif (b := MEMORY.match(msg)):
            rep["memory"] = (int(b[1]), int(b[2]))
            rep["order"].append("memory")
        elif (b := MMAP.match(msg)):
            rep["mmap"].append((int(b[1], 16), int(b[2], 16), int(b[3])))
        elif (b := MODULE.match(msg)):
            rep["modules"].append({"index": int(b[1]), "start": int(b[2], 16),
                                   "end": int(b[3], 16), "string": b[4]})
            rep["order"].append("module")
        elif (b := CPU.match(msg)):
            rep["cpu"] = b[1]
            rep["order"].append("cpu")
        elif (b := CONFIG.match(msg)) and rep["config"] is None:
            rep["config"] = {"source": b[1], "rest": b[2]}
    return rep


def check_report(rc, log, protocol, loader_prefix, modules, config_source):
    """The assertions every boot path shares.  modules: (role, args, file)."""
    rep = parse_report(log)
    assert rc == STATUS_NO_VMX, f"hvrun status {rc}, expected the no-VMX refusal\n{log}"
    assert rep["boot"], f"no boot line\n{log}"
    assert rep["boot"]["protocol"] == protocol, log
    assert rep["boot"]["loader"].startswith(loader_prefix), log
    assert rep["memory"] and rep["memory"][0] >= 1, log
    # Usable RAM comes from the memory map: most of -m, never more.
    assert 200 * 1024 <= rep["memory"][1] <= MEGS * 1024, log
    if rep["mmap"]:
        assert len(rep["mmap"]) == rep["memory"][0], log
        usable = sum(end + 1 - start for start, end, t in rep["mmap"] if t == 1)
        assert usable >> 10 == rep["memory"][1], log
    got = rep["modules"]
    assert [m["index"] for m in got] == list(range(len(modules))), log
    for m, (role, args, path) in zip(got, modules):
        assert module_role(m["string"]) == (role, args), log
        # End is exclusive: the module is the whole file, nothing lost in transit.
        assert m["end"] - m["start"] == os.path.getsize(path), log
    spans = sorted((m["start"], m["end"]) for m in got)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert end <= start, f"modules overlap\n{log}"
    assert rep["cpu"] == "no", log
    assert rep["refused"] and "no VMX" in rep["refused"], log
    # The report comes before the refusal.
    assert rep["order"][:2] == ["boot", "memory"], log
    assert rep["order"][-1] == "refused", log
    assert rep["order"].count("module") == len(modules), log
    # The `config: source=` line is being added to the hypervisor: once it is
    # printed, it must describe the configuration this boot delivered.
    if rep["config"]:
        assert rep["config"]["source"] == config_source, log
    return rep


@pytest.fixture
def netboot_config(tmp_path):
    path = tmp_path / "netboot.conf"
    path.write_text(TEST_CONFIG)
    return str(path)


def check_config_content(rep, log):
    if rep["config"]:
        assert f"protect-ranges={TEST_CONFIG_PROTECTS} " in rep["config"]["rest"] + " ", log


def test_pxe_grub_multiboot2(images, netboot_config):
    rc, log = run_hvrun(images, "--boot", "pxe-grub", "--config", netboot_config,
                        "--cmdline", "loglevel=4 nb=grub", "--guest-args", "x=1 y")
    assert "core.0" in log, f"iPXE did not load GRUB's network image\n{log}"
    rep = check_report(rc, log, 2, "GRUB", [("guest", "x=1 y", images[1]),
                                            ("config", "", netboot_config)], "module")
    assert rep["boot"]["cmdline"] == "loglevel=4 nb=grub", log
    # GRUB passes a module's arguments only, without its file name.
    assert [m["string"] for m in rep["modules"]] == ["guest x=1 y", "config"], log
    check_config_content(rep, log)


def test_pxe_ipxe_multiboot1(images, netboot_config):
    rc, log = run_hvrun(images, "--boot", "pxe-ipxe", "--config", netboot_config,
                        "--cmdline", "loglevel=4 nb=ipxe", "--guest-args", "x=1 y")
    assert "hv.ipxe" in log, f"iPXE did not run the script\n{log}"
    rep = check_report(rc, log, 1, "iPXE", [("guest", "x=1 y", images[1]),
                                            ("config", "", netboot_config)], "module")
    # iPXE puts the image's URL in front of every command line.
    assert re.fullmatch(r"tftp://\S+/hv\.elf loglevel=4 nb=ipxe",
                        rep["boot"]["cmdline"]), log
    assert re.fullmatch(r"tftp://\S+/guest\.elf guest x=1 y", rep["modules"][0]["string"]), log
    assert re.fullmatch(r"tftp://\S+/hv\.conf config", rep["modules"][1]["string"]), log
    check_config_content(rep, log)


@pytest.mark.parametrize("boot,loader,protocol", [("pxe-grub", "GRUB", 2),
                                                  ("pxe-ipxe", "iPXE", 1)])
def test_netboot_without_config_module(images, boot, loader, protocol):
    rc, log = run_hvrun(images, "--boot", boot)
    check_report(rc, log, protocol, loader, [("guest", "", images[1])], "default")


def read(path):
    with open(path) as f:
        return f.read()


def test_make_netboot_tree():
    """The tree `make netboot` leaves for a real TFTP server."""
    assert os.path.isfile(os.path.join(NETBOOT_DIR, "hv.ipxe")), "run make netboot"
    for name, src in (("hv.elf", HV), ("hv.conf", DEFAULT_CONFIG)):
        with open(os.path.join(NETBOOT_DIR, name), "rb") as a, open(src, "rb") as b:
            assert a.read() == b.read(), f"build/netboot/{name} is stale: run make netboot"
    assert os.path.isfile(os.path.join(NETBOOT_DIR, "guest.elf"))
    core = os.path.join(NETBOOT_DIR, "boot/grub/i386-pc/core.0")
    assert os.path.getsize(core) > 0
    for mod in ("multiboot2", "serial", "tftp"):
        assert os.path.isfile(os.path.join(NETBOOT_DIR, f"boot/grub/i386-pc/{mod}.mod")), mod
    cfg = read(os.path.join(NETBOOT_DIR, "boot/grub/grub.cfg")).splitlines()
    cfg = [line.strip() for line in cfg]
    assert "terminal_output serial" in cfg
    assert "multiboot2 /hv.elf" in cfg
    assert "module2 /guest.elf guest" in cfg
    assert "module2 /hv.conf config" in cfg
    script = read(os.path.join(NETBOOT_DIR, "hv.ipxe")).splitlines()
    assert script[0] == "#!ipxe"
    assert "kernel hv.elf || goto failed" in script
    assert "module guest.elf guest || goto failed" in script
    assert "module hv.conf config || goto failed" in script
    assert "boot || goto failed" in script


@pytest.mark.parametrize("extra", [["--cmdline", "a\nb"], ["--guest-args", "${x}"],
                                   ["--config", "/nonexistent.conf"]])
def test_mknetboot_rejects(tmp_path, extra):
    out = tmp_path / "tree"
    p = subprocess.run([MKNETBOOT, "--out", str(out), "--hv", HV, "--guest", GUEST, *extra],
                       capture_output=True, timeout=60)
    assert p.returncode == 2, p.stderr
    assert not out.exists()
