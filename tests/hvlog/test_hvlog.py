"""tools/hvlog on recorded console logs (tests/hvlog/data, each the --log of
one tools/hvrun run, named after it):

  spp-hw.log               mode=spp, default configuration, hardware SPP
  storm-rate5.log          mode=spp-storm n=300 with log-rate 5/s (suppressed lines)
  storm-dropped.log        mode=spp-storm n=3000 with log-rate 1000000/s: the
                           log ring overflows (a log-dropped record)
  console-attack-com1.log  mode=console-attack on the shared COM1 (a forged
                           `hv-exit status=0` guest line, stopped with 108)

Expected values are counted from the raw text with plain string operations,
not with the parser under test.  Run: /usr/bin/python3 -m pytest -q tests/hvlog
"""
import collections
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import hvlog  # noqa: E402

HVLOG = os.path.join(ROOT, "tools/hvlog")
LOGS = ["spp-hw.log", "storm-rate5.log", "storm-dropped.log", "console-attack-com1.log"]


def raw(name):
    with open(os.path.join(HERE, "data", name)) as f:
        return f.read()


def fields_of(line):
    return dict(w.split("=", 1) for w in line.split()[1:])


@pytest.mark.parametrize("name", LOGS)
def test_every_line_classified(name):
    text = raw(name)
    recs = hvlog.parse(text)
    lines = text.splitlines()
    assert len(recs) == len(lines)
    for rec, line in zip(recs, lines):
        if line.startswith("| "):
            assert rec.kind == "guest" and rec.text == line[2:]
        elif line.startswith("hv["):
            assert rec.kind == "prose" and line.endswith(rec.message)
            assert rec.tsc == int(line[3:line.index("]")])
        elif line.split(" ", 1)[0] in ("spp-violation", "spp-summary", "spp-range",
                                       "guest-exit", "hv-exit", "log-dropped"):
            assert rec.kind == "event" and rec.name == line.split()[0]
            assert rec.fields == fields_of(line)
    # The hypervisor's status: the last unmarked hv-exit line.
    want = [int(l.split("=")[1]) for l in lines if l.startswith("hv-exit status=")][-1]
    assert hvlog.hv_exit_status(recs) == want


def test_forged_guest_line_is_not_the_status():
    recs = hvlog.parse(raw("console-attack-com1.log"))
    assert "hv-exit status=0" in hvlog.guest_lines(recs)
    assert hvlog.hv_exit_status(recs) == 108
    assert [r.int("status") for r in hvlog.events(recs, "hv-exit")] == [108]


def test_per_range_and_per_rip():
    text = raw("spp-hw.log")
    viol = [fields_of(l) for l in text.splitlines() if l.startswith("spp-violation ")]
    s = hvlog.summarize(hvlog.parse(text))
    assert s["violations_printed"] == len(viol) > 30
    ranges = collections.Counter(v["range"] for v in viol)
    assert {k: e["count"] for k, e in s["per_range"].items()} == dict(ranges)
    rips = collections.Counter(v["rip"] for v in viol)
    assert {k: e["count"] for k, e in s["per_rip"].items()} == dict(rips)
    assert s["seq_gaps"] == [] and s["suppressed"] == 0 and s["mode"] == "hw"


def missing_seqs(text):
    seqs = {int(fields_of(l)["seq"]) for l in text.splitlines() if l.startswith("spp-violation ")}
    total = int(fields_of([l for l in text.splitlines() if l.startswith("spp-summary ")][0])
                ["violations"])
    return set(range(1, total + 1)) - seqs, total


@pytest.mark.parametrize("name", ["storm-rate5.log", "storm-dropped.log"])
def test_seq_gaps_are_the_missing_violations(name):
    text = raw(name)
    missing, total = missing_seqs(text)
    s = hvlog.summarize(hvlog.parse(text))
    got = set()
    for a, b in s["seq_gaps"]:
        got |= set(range(a, b + 1))
    assert got == missing and missing
    assert s["violations_total"] == total
    dropped = sum(int(l.split("=")[1]) for l in text.splitlines()
                  if l.startswith("log-dropped count="))
    assert s["records_dropped"] == dropped
    # Each missing line was either rate-limited or lost in the ring.
    assert len(missing) == s["suppressed"] + dropped


def test_storm_dropped_has_a_dropped_record():
    text = raw("storm-dropped.log")
    assert any(l.startswith("log-dropped count=") for l in text.splitlines())
    s = hvlog.summarize(hvlog.parse(text))
    assert s["suppressed"] == 0 and s["records_dropped"] > 0


def test_boot_header():
    text = raw("spp-hw.log")
    boot = hvlog.boot_records(hvlog.parse(text))
    assert boot[0].message.startswith("spphv ")
    assert boot[-1].message.startswith("vmx: launching guest")
    want = []
    for l in text.splitlines():
        if l.startswith("hv["):
            want.append(l.split(": ", 1)[1])
            if want[-1].startswith("vmx: launching guest"):
                break
    assert [r.message for r in boot] == want


def run(*args, stdin=None):
    p = subprocess.run([HVLOG, *args], input=stdin, capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_cli_report_and_json():
    path = os.path.join(HERE, "data", "storm-rate5.log")
    rc, out, err = run(path)
    assert rc == 0, err
    assert out.startswith("== boot\n")
    assert "  printed=5 total=300 suppressed=295 " in out, out
    assert "295 in 6-300" in out, out
    rc, out, _ = run("--json", "-", stdin=open(path, "rb").read())
    objs = [json.loads(l) for l in out.splitlines()]
    assert len(objs) == len(raw("storm-rate5.log").splitlines())
    assert [o["line"] for o in objs] == raw("storm-rate5.log").splitlines()


def test_cli_bad_input_one_line():
    rc, out, err = run("/nonexistent/log")
    assert rc == 2 and out == "" and len(err.splitlines()) == 1, err
    rc, out, err = run("--device", "/nonexistent/tty")
    assert rc == 2 and len(err.splitlines()) == 1, err
