#!/usr/bin/python3
"""Read an spphv console log: the parser (importable) and the hvlog tool.

    tools/hvlog [FILE|-] [--json] [--device DEV --baud N] [--timeout S]

Reads a log from FILE, from stdin (`-` or no FILE), or live from a serial
device (`--device /dev/ttyS0 --baud 115200`, until `hv-exit` or --timeout);
prints the boot records as a header, then a summary of the `spp-violation`
records per range and per guest RIP and the gaps in their `seq` numbers
(violations counted but not printed: rate-limited, or records dropped when
the log ring was full). `--json` prints one JSON object per record instead.
The record format is docs/log-format.md; Python 3 standard library only.

As a module (tools/hvrun and the tests use it):

    import hvlog
    for rec in hvlog.parse(text):         # or parse_line(line)
        rec.kind     # "prose", "event", "guest" or "other"
        rec.name     # event name ("spp-violation", "hv-exit", ...)
        rec.fields   # event fields, or key=value pairs of a prose message
        rec.tsc, rec.level, rec.message   # prose records
        rec.text     # a guest line without its mark
    hvlog.hv_exit_status(records)         # the hypervisor's status, or None
"""
import argparse
import collections
import json
import os
import re
import sys
import time

# Every guest line on the hypervisor's console starts with this mark
# (hv/console.h); no hypervisor record does.
GUEST_MARK = "| "
PROSE = re.compile(r"^hv\[(\d+)\] (error|warn|info|debug): (.*)$")
EVENT = re.compile(r"^([a-z][a-z0-9-]*)((?: [A-Za-z0-9_./-]+=\S*)+)$")
KV = re.compile(r'([A-Za-z0-9_./-]+)=("(?:[^"\\]|\\.)*"|\S*)')
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]")
BOOT_END = "vmx: launching guest"


def parse_kv(text):
    """`key=value key="quoted value" ...` -> dict of strings (quotes removed).
    Words without '=' are ignored; a repeated key keeps its last value."""
    out = {}
    for key, val in KV.findall(text):
        if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
            val = val[1:-1]
        out[key] = val
    return out


class Record:
    """One console line, classified."""
    __slots__ = ("kind", "line", "name", "fields", "tsc", "level", "message", "text")

    def __init__(self, kind, line, name=None, fields=None, tsc=None, level=None,
                 message=None, text=None):
        self.kind, self.line, self.name = kind, line, name
        self.fields = fields if fields is not None else {}
        self.tsc, self.level, self.message, self.text = tsc, level, message, text

    def int(self, key, default=None):
        """A numeric field (decimal or 0x hexadecimal) as int."""
        v = self.fields.get(key)
        if v is None:
            return default
        return int(v, 16) if v.lower().startswith("0x") else int(v)

    def to_dict(self):
        d = {"kind": self.kind}
        for k in ("name", "tsc", "level", "message", "text"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        if self.fields:
            d["fields"] = self.fields
        d["line"] = self.line
        return d

    def __repr__(self):
        return f"<Record {self.kind} {self.line!r}>"


def parse_line(line):
    """One line (without its newline) -> Record.  Terminal escapes and CRs
    (GRUB's output) are removed first."""
    line = ANSI.sub("", line).replace("\r", "").rstrip("\n")
    if line.startswith(GUEST_MARK) or line == GUEST_MARK.rstrip():
        return Record("guest", line, text=line[len(GUEST_MARK):])
    s = line.strip()
    m = PROSE.match(s)
    if m:
        msg = m.group(3)
        return Record("prose", line, tsc=int(m.group(1)), level=m.group(2), message=msg,
                      fields=parse_kv(msg))
    m = EVENT.match(s)
    if m:
        return Record("event", line, name=m.group(1), fields=parse_kv(m.group(2)))
    return Record("other", line)


def parse(text):
    """A whole log (str, or an iterable of lines) -> [Record]."""
    lines = text.splitlines() if isinstance(text, str) else text
    return [parse_line(l) for l in lines]


def events(records, name=None):
    return [r for r in records if r.kind == "event" and (name is None or r.name == name)]


def hv_exit_status(records):
    """The status of the last `hv-exit` record, or None.  Guest lines cannot
    count: they carry the mark."""
    ex = events(records, "hv-exit")
    return ex[-1].int("status") if ex else None


def guest_lines(records):
    return [r.text for r in records if r.kind == "guest"]


def boot_records(records):
    """Prose records up to and including `vmx: launching guest` (all prose
    records when the guest never launched)."""
    out = []
    for r in records:
        if r.kind == "prose":
            out.append(r)
            if r.message.startswith(BOOT_END):
                break
    return out


def seq_gaps(violations, summary=None):
    """[(first_missing, last_missing)] between the seq numbers printed, and
    after the last one up to spp-summary's total when there is one."""
    seqs = sorted(v.int("seq") for v in violations if v.int("seq") is not None)
    gaps, prev = [], 0
    for s in seqs:
        if s > prev + 1:
            gaps.append((prev + 1, s - 1))
        prev = max(prev, s)
    total = summary.int("violations") if summary is not None else None
    if total is not None and total > prev:
        gaps.append((prev + 1, total))
    return gaps


def summarize(records):
    """The summary hvlog prints, as a dict (also what --json's summary is)."""
    viol = events(records, "spp-violation")
    summ = events(records, "spp-summary")
    summary = summ[-1] if summ else None
    per_range = collections.OrderedDict()
    per_rip = collections.OrderedDict()
    for v in viol:
        rng = v.fields.get("range", "?")
        e = per_range.setdefault(rng, {"count": 0, "policy": v.fields.get("policy", "?"),
                                       "gpas": set(), "rips": set()})
        e["count"] += 1
        e["gpas"].add(v.fields.get("gpa"))
        e["rips"].add(v.fields.get("rip"))
        rip = v.fields.get("rip", "?")
        e = per_rip.setdefault(rip, {"count": 0, "ranges": set()})
        e["count"] += 1
        e["ranges"].add(rng)
    dropped = sum(r.int("count", 0) for r in events(records, "log-dropped"))
    ex = hv_exit_status(records)
    return {
        "violations_printed": len(viol),
        "violations_total": summary.int("violations") if summary else None,
        "suppressed": summary.int("suppressed") if summary else None,
        "mode": summary.fields.get("mode") if summary else
        (viol[0].fields.get("mode") if viol else None),
        "records_dropped": dropped,
        "seq_gaps": seq_gaps(viol, summary),
        "per_range": per_range,
        "per_rip": per_rip,
        "hv_exit": ex,
        "guest_exit": (events(records, "guest-exit")[-1].int("status")
                       if events(records, "guest-exit") else None),
    }


def _table(rows, header):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join("{:<%d}" % w for w in widths)
    return [fmt.format(*header)] + [fmt.format(*map(str, r)) for r in rows]


def report(records):
    """The human-readable report: lines of text."""
    out = ["== boot"]
    for r in boot_records(records):
        out.append(f"  {r.message}")
    s = summarize(records)
    out.append("== violations")
    out.append(f"  printed={s['violations_printed']} total={s['violations_total']} "
               f"suppressed={s['suppressed']} mode={s['mode']} "
               f"records-dropped={s['records_dropped']}")
    if s["per_range"]:
        out.append("  per range:")
        rows = [(name, e["policy"], e["count"], len(e["gpas"]), len(e["rips"]))
                for name, e in s["per_range"].items()]
        out += ["    " + l for l in _table(rows, ("range", "policy", "lines", "addresses",
                                                 "rips"))]
        out.append("  per rip:")
        rows = [(rip, e["count"], ",".join(sorted(e["ranges"])))
                for rip, e in sorted(s["per_rip"].items(), key=lambda kv: -kv[1]["count"])]
        out += ["    " + l for l in _table(rows, ("rip", "lines", "ranges"))]
    if s["seq_gaps"]:
        gaps = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in s["seq_gaps"])
        missing = sum(b - a + 1 for a, b in s["seq_gaps"])
        out.append(f"  seq gaps (counted, not printed: rate limit or dropped records): "
                   f"{missing} in {gaps}")
    out.append("== end")
    out.append(f"  guest-exit={s['guest_exit']} hv-exit={s['hv_exit']}")
    return out


def open_serial(device, baud):
    """A serial device in raw mode at baud (8N1), as a binary file."""
    import termios
    import tty
    fd = os.open(device, os.O_RDONLY | os.O_NOCTTY)
    speed = getattr(termios, f"B{baud}", None)
    if speed is None:
        os.close(fd)
        raise ValueError(f"unsupported baud rate {baud}")
    tty.setraw(fd)
    attr = termios.tcgetattr(fd)
    attr[4] = attr[5] = speed
    attr[2] |= termios.CLOCAL | termios.CREAD
    termios.tcsetattr(fd, termios.TCSANOW, attr)
    return os.fdopen(fd, "rb", buffering=0)


def read_live(f, timeout, on_record):
    """Reads lines from a device until hv-exit or timeout; calls on_record
    for each; returns the records."""
    import select
    records, buf = [], b""
    deadline = time.monotonic() + timeout if timeout else None
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            break
        r, _, _ = select.select([f], [], [], left if left is not None else 1.0)
        if not r:
            continue
        chunk = f.read(4096)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            rec = parse_line(line.decode("utf-8", "replace"))
            records.append(rec)
            on_record(rec)
            if rec.kind == "event" and rec.name == "hv-exit":
                return records
    return records


def main(argv=None):
    p = argparse.ArgumentParser(prog="hvlog", description=__doc__.split("\n\n")[0])
    p.add_argument("file", nargs="?", default="-", help="log file, or - for stdin")
    p.add_argument("--json", action="store_true", help="one JSON object per record")
    p.add_argument("--device", help="read live from this serial device")
    p.add_argument("--baud", type=int, default=115200)
    p.add_argument("--timeout", type=float, default=0,
                   help="with --device: stop after this many seconds (0: at hv-exit)")
    a = p.parse_args(argv)

    def emit(rec):
        if a.json:
            print(json.dumps(rec.to_dict(), sort_keys=True), flush=True)
        elif a.device:
            print(rec.line, flush=True)

    try:
        if a.device:
            with open_serial(a.device, a.baud) as f:
                records = read_live(f, a.timeout, emit)
        else:
            if a.file == "-":
                text = sys.stdin.buffer.read()
            else:
                with open(a.file, "rb") as f:
                    text = f.read()
            records = parse(text.decode("utf-8", "replace"))
            if a.json:
                for rec in records:
                    emit(rec)
    except (OSError, ValueError) as e:
        print(f"hvlog: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    if not a.json:
        print("\n".join(report(records)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
