"""The layering docs/architecture.md states, checked on the source: vmx/
never includes a header from spp/ (spp/ registers itself as a vmx_client),
and spp/ writes no VMCS field (vmx/ owns the controls and the events)."""
import glob
import os
import re

from conftest import ROOT

INCLUDE_SPP = re.compile(r'^\s*#\s*include\s+"spp/', re.M)
VMCS_WRITE = re.compile(r"\bvmcs_write(16|32|64|l)?\s*\(|\bvmx_write_raw\s*\(")


def sources(folder):
    return sorted(glob.glob(os.path.join(ROOT, folder, "*.[chS]")))


def test_vmx_does_not_include_spp():
    bad = [os.path.relpath(p, ROOT) for p in sources("vmx")
           if INCLUDE_SPP.search(open(p, errors="replace").read())]
    assert not bad, f"vmx/ files including spp/ headers: {bad}"


def test_spp_writes_no_vmcs_field():
    bad = [os.path.relpath(p, ROOT) for p in sources("spp")
           if VMCS_WRITE.search(open(p, errors="replace").read())]
    assert not bad, f"spp/ files writing VMCS fields: {bad}"
