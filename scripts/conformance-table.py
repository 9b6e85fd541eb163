#!/usr/bin/env python3
"""Per-check table of a conformance run: where our kernel differs from Linux.

The xt-conf-* programs print one check per line, `name: result`. The oracle's
compare.json holds each step's output on both kernels; this script pairs the
lines by check name and classifies every difference:

  false-success  Linux fails the call, ours claims success
  wrong-effect   both succeed (or print an effect), the result differs; when the
                 call itself succeeded on ours, this is ours claiming success
                 with a different effect (the worst kind)
  after-gap      an effect line under a call ours refused (`x.effect` after `x`
                 failed): a consequence of that honest gap, not a new lie
  enosys         ours does not implement the call at all (-1 ENOSYS)
  honest-gap     Linux succeeds, ours returns another error (EINVAL...)
  wrong-errno    both fail, with different errnos
  missing        the line never came on ours (the area crashed or hung first;
                 its `area: killed by ...` / `timed out` line says which)
  extra          only ours printed the line

Usage:
  scripts/conformance-table.py REPORT_DIR_OR_COMPARE_JSON [--markdown OUT.md]

With --markdown, the generated section of OUT.md (between the
`<!-- conformance-table:begin -->` and `<!-- conformance-table:end -->` markers)
is replaced; otherwise the table goes to stdout. Only the standard library.
"""
import json
import re
import sys
from pathlib import Path

NOISE = re.compile(r"^(<\d+>)?\[ *\d+\.\d{6}\] ")
CHECK = re.compile(r"^([^\s:]+): (.*)$")
BEGIN = "<!-- conformance-table:begin -->"
END = "<!-- conformance-table:end -->"


def checks(output):
    """Ordered (name, result) pairs of one step's output; kernel log lines dropped."""
    out, seen = [], {}
    for line in (output or "").replace("\r", "").split("\n"):
        line = line.rstrip()
        if not line or NOISE.match(line):
            continue
        m = CHECK.match(line)
        if not m:
            continue
        name, result = m.group(1), m.group(2)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name}#{seen[name]}"
        out.append((name, result))
    return out


def is_error(result):
    return result.startswith("-1 ")


def call_like(result):
    """A call's own result (`-1 ENAME` or a number), not an observed effect."""
    return is_error(result) or re.fullmatch(r"-?\d+", result) is not None


def classify(name, ref, ours, ours_all, ref_all):
    if ours is None:
        return "missing"
    if ref is None:
        return "extra"
    parts = name.split(".")
    if not call_like(ref) or parts[-1].startswith("effect"):
        # An effect line (`x.effect`, `x.detail: yes`) under the call `x` printed before it.
        for i in range(len(parts) - 1, 0, -1):
            parent = ".".join(parts[:i])
            if parent in ours_all and parent in ref_all:
                if is_error(ours_all[parent]) and not is_error(ref_all[parent]):
                    return "after-gap"
                if not is_error(ours_all[parent]) and not is_error(ref_all[parent]):
                    return "wrong-effect"
                break
        # An effect in an area whose call ours does not implement at all.
        area = parts[0]
        for n, r in ours_all.items():
            if n.split(".")[0] == area and r == "-1 ENOSYS" and ref_all.get(n, "-1 ENOSYS") != "-1 ENOSYS":
                return "after-gap"
    if ours == "-1 ENOSYS":
        return "enosys"
    if is_error(ref) and is_error(ours):
        return "wrong-errno"
    if is_error(ref):
        return "false-success"
    if is_error(ours):
        return "honest-gap"
    return "wrong-effect"


def load(path):
    p = Path(path)
    if p.is_dir():
        candidates = sorted(p.glob("compare*.json"))
        if not candidates:
            sys.exit(f"{p}: no compare.json (run `cargo xtask scenario conformance --oracle linux-aarch64` first)")
        p = candidates[0]
    return p, json.loads(p.read_text())


def from_serial_log(report_dir, profile, phase, test):
    """A step's output from the raw serial log, for a step that has none in the
    report (the kernel panicked mid-step): the text after the last begin marker."""
    logs = sorted((report_dir / profile / phase).glob(f"{test}-boot*.serial.log"))
    if not logs:
        return None
    text = logs[-1].read_text(errors="replace").replace("\r", "")
    begin = text.rfind("@@XT-BEG")
    if begin < 0:
        return None
    body = text[text.index("\n", begin) + 1:]
    end = body.find("@@XT-END")
    return body if end < 0 else body[:end]


def analyse(cmp, report_dir):
    rows, programs, notes = [], [], []
    cand_profile = (cmp.get("candidate") or {}).get("profile")
    for phase in cmp.get("phases", []):
        for test in phase.get("tests", []):
            for step in test.get("steps", []):
                desc = step.get("description", "")
                # The program may follow set-up commands (`ip link set lo up; xt-conf-inet`).
                words = desc[len("run: "):].replace(";", " ").split() if desc.startswith("run: ") else []
                program = next((w for w in words if w.startswith("xt-conf-")), None)
                if program is None:
                    continue
                # One program run by two tests (conf-file on tmpfs and on ext2): name the test too.
                if test.get("name") != program[len("xt-"):]:
                    program = f"{program} ({test.get('name')})"
                ref = checks((step.get("reference") or {}).get("output"))
                cand = step.get("candidate") or {}
                cand_out = cand.get("output")
                if cand_out is None and cand:
                    cand_out = from_serial_log(report_dir, cand_profile, phase["phase"], test["name"])
                    if cand_out is not None:
                        notes.append(f"{program}: no output in the report ({cand.get('message') or 'step failed'}); "
                                     "its lines were read from the serial log up to the end of the step")
                ours = checks(cand_out)
                ref_all, ours_all = dict(ref), dict(ours)
                names = [n for n, _ in ref] + [n for n, _ in ours if n not in ref_all]
                same = only_ours = 0
                for n in names:
                    r, o = ref_all.get(n), ours_all.get(n)
                    if r == o:
                        same += 1
                        continue
                    kind = classify(n, r, o, ours_all, ref_all)
                    only_ours += kind == "extra"
                    rows.append((program, n, r, o, kind))
                programs.append((program, len(ref), same, len(ref) - same, only_ours))
    return programs, rows, notes


KIND_TEXT = {
    "false-success": "ours succeeds where Linux fails",
    "wrong-effect": "**claims success, different effect**",
    "after-gap": "effect of an honest gap",
    "enosys": "not implemented (ENOSYS)",
    "honest-gap": "honest gap (ours refuses with another errno)",
    "wrong-errno": "different errno",
    "missing": "not reached on ours",
    "extra": "only on ours",
}


def md_cell(s):
    if s is None:
        return "—"
    return "`" + s.replace("|", "\\|").replace("`", "'") + "`"


def render(cmp, programs, rows, notes):
    kinds = {}
    for r in rows:
        kinds[r[4]] = kinds.get(r[4], 0) + 1
    total = sum(p[1] for p in programs)
    same = sum(p[2] for p in programs)
    lines = []
    ref = cmp.get("reference", {})
    cand = cmp.get("candidate", {})
    lines.append(f"Reference `{ref.get('profile')}` (run {ref.get('run_id')}), "
                 f"candidate `{cand.get('profile')}` (run {cand.get('run_id')}).")
    lines.append("")
    lines.append(f"**{total} checks on Linux; {same} identical on ours, {total - same} differ** "
                 f"(lines only ours printed: {kinds.get('extra', 0)}).")
    lines.append("")
    lines.append("| kind of difference | checks |")
    lines.append("|---|---:|")
    for k in ["wrong-effect", "false-success", "after-gap", "enosys", "honest-gap", "wrong-errno", "missing", "extra"]:
        lines.append(f"| {KIND_TEXT[k]} (`{k}`) | {kinds.get(k, 0)} |")
    lines.append("")
    lines.append("| program | checks (Linux) | identical | differ | lines only ours printed |")
    lines.append("|---|---:|---:|---:|---:|")
    for p in programs:
        lines.append(f"| {p[0]} | {p[1]} | {p[2]} | {p[3]} | {p[4]} |")
    lines.append("")
    for n in notes:
        lines.append(f"Note: {n}.")
        lines.append("")
    lines.append("Every difference (the syscall or area is the first part of the check name):")
    lines.append("")
    lines.append("| program | check | syscall | Linux | ours | kind |")
    lines.append("|---|---|---|---|---|---|")
    for program, name, r, o, kind in rows:
        lines.append(f"| {program} | `{name}` | {name.split('.')[0]} | {md_cell(r)} | {md_cell(o)} | {KIND_TEXT[kind]} |")
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    path, cmp = load(argv[1])
    programs, rows, notes = analyse(cmp, path.parent)
    if not programs:
        sys.exit(f"{path}: no xt-conf-* step in this comparison")
    table = render(cmp, programs, rows, notes)
    if len(argv) >= 4 and argv[2] == "--markdown":
        doc = Path(argv[3])
        text = doc.read_text()
        if BEGIN not in text or END not in text:
            sys.exit(f"{doc}: the markers {BEGIN} and {END} are missing")
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        doc.write_text(f"{head}{BEGIN}\n{table}{END}{tail}")
        print(f"{doc}: table of {len(rows)} differences written")
    else:
        sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
