#!/usr/bin/env python3
"""Keeps code readable in size: no source file outside tests/ over 500 lines,
no C++ function outside tests/ over 80 lines (the load generator's main() is
exempt: it is a flat list of options and phases). Function lengths come from
pmccabe (Debian package pmccabe). Fails naming each file and function.
Usage: scripts/check-shape.py
"""
import os
import re
import shutil
import subprocess
import sys

MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80
CODE = re.compile(r"\.(cpp|h|mm|py|js|mjs|sh|cs|cmake)$|(^|/)CMakeLists\.txt$|^bench/run$|^\.ci/run$")
EXEMPT_FUNCTIONS = {("bench/loadgen/main.cpp", "main")}


def main():
    root = subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True).strip()
    os.chdir(root)
    files = [f for f in subprocess.check_output(["git", "ls-files"], text=True).split()
             if not f.startswith(("tests/", "fuzz/corpus/")) and CODE.search(f) and os.path.isfile(f)]
    problems = []
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = sum(1 for _ in handle)
        if lines > MAX_FILE_LINES:
            problems.append(f"{path}: {lines} lines (at most {MAX_FILE_LINES} outside tests/); split it")
    cxx = [f for f in files if f.endswith((".cpp", ".h", ".mm"))]
    pmccabe = shutil.which("pmccabe")
    if not pmccabe:
        print("check-shape: pmccabe not found (scripts/install-deps.sh --test installs it)", file=sys.stderr)
        return 2
    out = subprocess.run([pmccabe, *cxx], capture_output=True, text=True).stdout
    # columns: modified-cc  cc  statements  first-line  lines  file(line): name
    row = re.compile(r"^\d+\s+\d+\s+\d+\s+\d+\s+(\d+)\s+(\S+)\((\d+)\):\s+(.*)$")
    for line in out.splitlines():
        match = row.match(line)
        if not match:
            continue
        length, path, first, name = int(match[1]), match[2], match[3], match[4].strip()
        short = name.split("::")[-1]
        if length > MAX_FUNCTION_LINES and (path, short) not in EXEMPT_FUNCTIONS:
            problems.append(f"{path}:{first}: {name} is {length} lines "
                            f"(at most {MAX_FUNCTION_LINES} outside tests/); split it")
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"check-shape: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-shape: {len(files)} files, {len(cxx)} C++: none over {MAX_FILE_LINES} lines, "
          f"no function over {MAX_FUNCTION_LINES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
