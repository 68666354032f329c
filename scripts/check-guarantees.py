#!/usr/bin/env python3
"""Every promise in docs/GUARANTEES.md names a test that exists.

Reads each table row of the file. A row names tests as `binary::function`
(a data row in parentheses, `binary::function(row)`), as an end-to-end file
`name.test.mjs`, or as a ctest name (`e2e_failover`). Each must exist:
tests/**/binary.cpp declares `void function(`, its data row is added by
that name, the .mjs file is in tests/e2e, the ctest name is registered in a
tests/ CMakeLists.txt. A row without any test must say so in its test
column ("none yet", "not tested", "no cross-node test", or "—").
Exit 0 when all hold, else 1 with one line per problem naming the row.
  scripts/check-guarantees.py [path/to/GUARANTEES.md]
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "GUARANTEES.md"
TESTS = ROOT / "tests"

# `tst_x::f` or `tst_x::f(row)`; in a cell, several may be separated by commas.
QT_TEST = re.compile(r"`(tst_\w+)::(\w+)(?:\(([^)`]*)\))?`")
MJS = re.compile(r"`?(\w+\.test\.mjs)`?")
CTEST = re.compile(r"ctest `(\w+)`|`(e2e_\w+)`")
STATED_GAP = re.compile(r"none yet|not tested|no cross-node test|^\s*—\s*$")

sources = {p.stem: p for p in TESTS.rglob("tst_*.cpp")}
cmake_text = "\n".join(p.read_text() for p in TESTS.rglob("CMakeLists.txt"))
registered = set(re.findall(r"farmchat_add_(?:script_)?test\(\s*([\w${}]+)", cmake_text))


def ctest_exists(name):
    if name in registered:
        return True
    # Names built in a foreach: e2e_${suite} over "signalr browser ...".
    for prefix, var in re.findall(r"farmchat_add_script_test\(\s*(\w+?)\$\{(\w+)\}", cmake_text):
        if name.startswith(prefix):
            loops = re.findall(r"foreach\(" + var + r"\s+([^)]*)\)", cmake_text)
            if any(name[len(prefix):] in loop.split() for loop in loops):
                return True
    return name in re.findall(r"add_test\(NAME (\w+)", cmake_text)


def problems_in(line_no, row, test_column):
    cells = [c.strip() for c in row.strip().strip("|").split("|")]
    where = f"{DOC.name}:{line_no}: {cells[0][:60]!r}"
    found = 0
    out = []
    for binary, function, data in QT_TEST.findall(row):
        found += 1
        src = sources.get(binary)
        if src is None:
            out.append(f"{where}: {binary}::{function}: no tests/**/{binary}.cpp")
            continue
        text = src.read_text()
        if not re.search(r"\bvoid\s+(?:\w+::)?" + function + r"\s*\(", text):
            out.append(f"{where}: {binary}::{function}: {src.relative_to(ROOT)} has no such test function")
        elif data and f'"{data}"' not in text:
            out.append(f"{where}: {binary}::{function}({data}): no data row of that name in {src.relative_to(ROOT)}")
    for name in MJS.findall(row):
        found += 1
        if not (TESTS / "e2e" / name).is_file():
            out.append(f"{where}: {name}: no tests/e2e/{name}")
    for a, b in CTEST.findall(row):
        found += 1
        if not ctest_exists(a or b):
            out.append(f"{where}: ctest {a or b} is not registered under tests/")
    test_cells = cells[1:] if test_column is None else cells[test_column:test_column + 1]
    if not found and not any(STATED_GAP.search(c) for c in test_cells):
        out.append(f"{where}: names no test (say \"none yet\" if there is none)")
    return out


def main():
    problems = []
    in_table = False
    test_column = None
    rows = 0
    for line_no, line in enumerate(DOC.read_text().splitlines(), 1):
        if not line.startswith("|"):
            in_table = False
            continue
        if not in_table:  # the header row
            in_table = True
            header = [c.strip().lower() for c in line.strip().strip("|").split("|")]
            test_column = next((i for i, c in enumerate(header) if c in ("test", "tests")), None)
            continue
        if set(line.replace("|", "").strip()) <= set("-: "):
            continue  # the separator row
        first_cell = line.strip().strip("|").split("|")[0].strip().lower()
        if test_column is None and first_cell != "tests":
            continue  # tables of figures or bounds, not promises
        rows += 1
        problems += problems_in(line_no, line, test_column)
    for p in problems:
        print(p)
    print(f"check-guarantees: {rows} promise rows, {len(problems)} problems")
    return 1 if problems or rows == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
