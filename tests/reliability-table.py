#!/usr/bin/env python3
"""Build docs/reliability.md's tables from the bats tests and their TAP results.

usage: tests/reliability-table.py [--tap FILE]... [--san-tap FILE] [--write DOC]

A test belongs to the reliability campaign when its name carries catalogue
ids ("REL-15/16: ...", "REL-01: ...") or a class tag for the variants beyond
the catalogue ("[TAR] ...", "[NET]", "[MAN]", "[CACHE]", "[SHIM]"). The
results come from bats TAP output (default build/std/test-logs/bats.tap, as
'make check' leaves it); --san-tap adds the sanitizer run's column (default
build/std/test-logs/bats-san.tap when it exists). Without --write the
Markdown goes to stdout; with it, the text between the markers
"<!-- reliability-table:begin -->" and "<!-- reliability-table:end -->" in
DOC is replaced.
"""
import argparse
import glob
import os
import re
import sys

# RELIABILITY.md section 3: id -> (class, title). Numbers are not contiguous.
CATALOGUE = {
    1: ("NET", "Connection reset mid-body"),
    2: ("NET", "Truncated body with a correct Content-Length"),
    3: ("NET", "Content-Length that disagrees with the manifest"),
    4: ("NET", "Declared oversize"),
    6: ("NET", "5xx retry, 4xx no retry"),
    7: ("NET", "429 and Retry-After"),
    8: ("NET", "Stalls and slow-loris"),
    9: ("NET", "Redirect loop"),
    11: ("NET", "TLS verification failures"),
    12: ("NET", "Captive portal / wrong body with 200"),
    14: ("NET", "Content-Encoding bomb"),
    15: ("TAR", "'..' traversal in all spellings"),
    16: ("TAR", "Absolute paths"),
    17: ("TAR", "Symlink then write through it"),
    18: ("TAR", "Escaping symlink left behind"),
    21: ("TAR", "Devices and FIFOs"),
    24: ("TAR", "Size bombs"),
    25: ("TAR", "Count, depth and length bombs"),
    26: ("TAR", "Hostile names"),
    27: ("TAR", "Truncated / corrupt stream with a matching hash"),
    28: ("TAR", "Wrong container, wrong compression, empty"),
    29: ("TAR", "Entries outside the expected top-level directory"),
    30: ("TAR", "Unwritable directories inside the archive"),
    32: ("TAR", "Positive control: NVIDIA-shaped layout"),
    33: ("TAR", "Prefix below a symlinked home"),
    34: ("MAN", "Malformed JSON"),
    35: ("MAN", "Nesting and size bombs"),
    37: ("MAN", "Hostile size values"),
    38: ("MAN", "Hostile sha256 values"),
    40: ("MAN", "Wrong shapes and selection"),
    41: ("MAN", "Manifest drift under a pin"),
    42: ("CACHE", "Parallel installs of the same version"),
    44: ("CACHE", "Lock holder SIGKILLed"),
    45: ("CACHE", "Garbage collection racing installs"),
    46: ("CACHE", "Poisoned cache entries"),
    48: ("CACHE", "Atomic pin and receipt writes"),
    49: ("CACHE", "ENOSPC mid-download and mid-extract"),
    50: ("CACHE", "Rename atomicity and fsync order"),
    51: ("CACHE", "Locks unsupported or held too long"),
    53: ("SHIM", "argv[0] spoofing"),
    56: ("SHIM", "Pin file trust"),
    57: ("SHIM", "Pin files that are not small text files"),
    58: ("SHIM", "Selection precedence"),
    59: ("SHIM", "Exec fidelity"),
    60: ("SHIM", "No system mutation"),
}
CLASSES = ["NET", "TAR", "MAN", "CACHE", "SHIM"]
BEGIN = "<!-- reliability-table:begin -->"
END = "<!-- reliability-table:end -->"

TEST_RE = re.compile(r'^@test\s+(["\'])(.*)\1\s*\{\s*$')
IDS_RE = re.compile(r"REL-(\d+(?:/\d+)*)")
TAG_RE = re.compile(r"^\[(NET|TAR|MAN|CACHE|SHIM)\]\s*")


def bash_unquote(name, quote):
    """The name as bats prints it: double-quoted names lose their escapes."""
    if quote == '"':
        name = re.sub(r'\\(["\\$`])', r"\1", name)
    return name


def tests(bats_dir):
    """(file, line, name, ids, tag) for every @test that carries ids or a tag."""
    out = []
    for path in sorted(glob.glob(os.path.join(bats_dir, "*.bats"))):
        for n, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
            m = TEST_RE.match(line)
            if not m:
                continue
            name = bash_unquote(m.group(2), m.group(1))
            ids = []
            for grp in IDS_RE.findall(name):
                ids += [int(x) for x in grp.split("/")]
            tag = TAG_RE.match(name)
            if not ids and not tag:
                continue
            klass = tag.group(1) if tag else CATALOGUE.get(ids[0], ("?", ""))[0]
            out.append({"file": os.path.basename(path), "line": n, "name": name, "ids": ids,
                        "tag": tag.group(1) if tag else None, "class": klass})
    return out


def tap_results(paths):
    """name -> "pass" / "FAIL" / "skip" from bats TAP files (later files win)."""
    res = {}
    for p in paths:
        if not p or not os.path.exists(p):
            continue
        for line in open(p, encoding="utf-8", errors="replace"):
            # "bats --timing" adds " in <N>ms" after the name (before any "# skip").
            line = re.sub(r" in \d+ms( # |$)", r"\1", line.rstrip("\n"), count=1)
            m = re.match(r"^(not ok|ok) \d+ (.*?)(?: # (?:skip|SKIP)(.*))?$", line)
            if not m:
                continue
            name = m.group(2)
            if m.group(1) == "not ok":
                res[name] = "FAIL"
            elif m.group(3) is not None or re.search(r" # skip", line, re.I):
                res[name] = "skip"
            else:
                res[name] = "pass"
    return res


def md_escape(s):
    return s.replace("|", "\\|")


def render(ts, res, san):
    lines = []
    w = lines.append
    have_san = bool(san)
    # Catalogue coverage.
    w("### Catalogue coverage (RELIABILITY.md section 3)")
    w("")
    w("| id | class | case | tests | result |")
    w("| --- | --- | --- | --- | --- |")
    for i in sorted(CATALOGUE):
        klass, title = CATALOGUE[i]
        mine = [t for t in ts if i in t["ids"]]
        got = [res.get(t["name"], "not run") for t in mine]
        if not mine:
            result = "no test here"
        elif "FAIL" in got:
            result = "**%d of %d failed**" % (got.count("FAIL"), len(got))
        elif all(g == "pass" for g in got):
            result = "pass"
        else:
            result = ", ".join("%d %s" % (got.count(k), k) for k in ("pass", "skip", "not run") if got.count(k))
        w("| REL-%02d | %s | %s | %d | %s |" % (i, klass, md_escape(title), len(mine), result))
    w("")
    # Every case run.
    w("### Every case run")
    w("")
    w("Ids are RELIABILITY.md cases; a class alone marks a variant beyond the catalogue.")
    w("")
    w("| id | what it does | test | result |%s" % (" SAN |" if have_san else ""))
    w("| --- | --- | --- | --- |%s" % (" --- |" if have_san else ""))
    order = {c: k for k, c in enumerate(CLASSES)}

    def key(t):
        return (order.get(t["class"], 9), 0 if t["ids"] else 1, t["ids"][0] if t["ids"] else 0,
                t["file"], t["line"])

    counts = {}
    for t in sorted(ts, key=key):
        ident = "/".join("REL-%02d" % i for i in t["ids"]) if t["ids"] else t["tag"] + " variant"
        what = IDS_RE.sub("", TAG_RE.sub("", t["name"]))
        what = re.sub(r"^\s*[:,/ ]*\s*", "", what)
        r = res.get(t["name"], "not run")
        counts[r] = counts.get(r, 0) + 1
        row = "| %s | %s | %s:%d | %s |" % (ident, md_escape(what), t["file"], t["line"],
                                            r if r != "FAIL" else "**FAIL**")
        if have_san:
            row += " %s |" % san.get(t["name"], "-")
        w(row)
    w("")
    cat_ids = sum(1 for t in ts if t["ids"])
    w("%d tests: %d carry catalogue ids, %d are variants; results: %s." % (
        len(ts), cat_ids, len(ts) - cat_ids,
        ", ".join("%d %s" % (counts[k], k) for k in sorted(counts)) or "none"))
    if have_san:
        sc = {}
        for t in ts:
            if t["name"] in san:
                sc[san[t["name"]]] = sc.get(san[t["name"]], 0) + 1
        w("Under the sanitizer build (ASan+UBSan, 'make check'): %s." % (
            ", ".join("%d %s" % (sc[k], k) for k in sorted(sc)) or "none run"))
    return "\n".join(lines) + "\n"


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tap", action="append", default=[])
    ap.add_argument("--san-tap")
    ap.add_argument("--write", metavar="DOC")
    a = ap.parse_args(argv)
    logs = os.path.join(top, "build", "std", "test-logs")
    taps = a.tap or [os.path.join(logs, "bats.tap")]
    san_tap = a.san_tap or os.path.join(logs, "bats-san.tap")
    ts = tests(os.path.join(top, "tests", "bats"))
    table = render(ts, tap_results(taps), tap_results([san_tap]) if os.path.exists(san_tap) else {})
    if not a.write:
        sys.stdout.write(table)
        return 0
    doc = open(a.write, encoding="utf-8").read()
    if BEGIN not in doc or END not in doc:
        print("%s: no %s ... %s markers" % (a.write, BEGIN, END), file=sys.stderr)
        return 1
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    tmp = a.write + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n" + table + END + tail)
    os.replace(tmp, a.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
