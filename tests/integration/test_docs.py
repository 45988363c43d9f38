"""The documentation tells the truth: the examples in README.md and docs/ are
taken from the files themselves (not copied here) and run as shown.

- every `make TARGET` the docs mention is listed by `make help` and exists;
- every example configuration (a fenced block of configuration directives)
  passes `tools/hvconf check`;
- every row of docs/config.md's error table with a complete message gets
  exactly that message from `tools/hvconf check`;
- hvconf's documented output for hv/default.conf is what it prints;
- every documented `tools/hvrun ...  # ... exit N` / `-> N` example ends
  with that status.
"""
import glob
import os
import re
import shlex
import subprocess

import pytest

from conftest import HARNESS_SLACK, ROOT

DOCS = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs/*.md")))
HVCONF = os.path.join(ROOT, "tools/hvconf")
DIRECTIVES = ("memory", "protect", "spp", "log-rate", "hypercall-lock")


def read(path):
    with open(path) as f:
        return f.read()


def rel(path):
    return os.path.relpath(path, ROOT)


def fenced_blocks(text):
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)


def documented_targets():
    found = set()
    for path in DOCS:
        for m in re.finditer(r"(?:`|^\s*)make ([a-z][a-z0-9-]*)", read(path), re.M):
            found.add(m.group(1))
    return sorted(found)


def test_docs_mention_targets():
    # The extraction itself works (guards against a regex that finds nothing).
    assert {"run", "test", "netboot", "fuzz-short", "docs-log"} <= set(documented_targets())


@pytest.mark.parametrize("target", documented_targets())
def test_make_help_lists_documented_target(target):
    helptext = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True,
                              text=True, timeout=60).stdout
    assert re.search(rf"^  {re.escape(target)}\b", helptext, re.M), helptext
    # ... and make knows it (-n: nothing is run).
    r = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert "No rule to make target" not in r.stderr, r.stderr


def example_configs():
    out = []
    for path in DOCS:
        for i, block in enumerate(fenced_blocks(read(path))):
            words = [line.split()[0] for line in block.splitlines()
                     if line.strip() and not line.lstrip().startswith("#")]
            if words and all(w in DIRECTIVES for w in words):
                out.append(pytest.param(block, id=f"{rel(path)}#{i}"))
    return out


def test_docs_have_example_configs():
    assert len(example_configs()) >= 1


@pytest.mark.parametrize("text", example_configs())
def test_documented_config_is_valid(tmp_path, text):
    conf = tmp_path / "example.conf"
    conf.write_text(text)
    r = subprocess.run([HVCONF, "check", str(conf)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr


def error_rows():
    """(example line, message) of docs/config.md's error table where both are
    complete: one code span, a message starting `config:`."""
    rows = []
    for line in read(os.path.join(ROOT, "docs/config.md")).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3:
            continue
        ex, msg = re.fullmatch(r"`([^`]+)`", cells[1]), re.fullmatch(r"`(config:[^`]+)`",
                                                                       cells[2])
        if ex and msg:
            rows.append(pytest.param(ex.group(1), msg.group(1), id=cells[0]))
    return rows


def test_docs_have_error_rows():
    assert len(error_rows()) >= 8


@pytest.mark.parametrize("line,message", error_rows())
def test_documented_error_message(tmp_path, line, message):
    conf = tmp_path / "bad.conf"
    conf.write_text(line + "\n")
    r = subprocess.run([HVCONF, "check", str(conf)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1
    assert r.stderr.splitlines()[0] == message


def test_documented_hvconf_output():
    text = read(os.path.join(ROOT, "docs/config.md"))
    blocks = [b for b in fenced_blocks(text) if b.startswith("hv/default.conf: valid")]
    assert len(blocks) == 1
    r = subprocess.run([HVCONF, "check", "hv/default.conf"], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == blocks[0]


HVRUN_EXAMPLE = re.compile(r"^(tools/hvrun\b[^#\n]*?)\s+#.*?(?:exit|->) (\d+)\s*$", re.M)


def hvrun_examples():
    out = []
    for path in DOCS:
        for block in fenced_blocks(read(path)):
            for m in HVRUN_EXAMPLE.finditer(block):
                out.append(pytest.param(m.group(1), int(m.group(2)),
                                        id=f"{rel(path)}: {m.group(1)}"))
    return out


def test_docs_have_hvrun_examples():
    assert len(hvrun_examples()) >= 6


@pytest.mark.parametrize("command,status", hvrun_examples())
def test_documented_hvrun_example(built_images, command, status):
    args = shlex.split(command)
    r = subprocess.run(args + ["--quiet", "--timeout", "90"], cwd=ROOT, capture_output=True,
                       text=True, timeout=90 + HARNESS_SLACK)
    assert r.returncode == status, r.stderr
