#!/usr/bin/env python3
"""Keeps FarmChat's layers honest; fails naming the file and the include.

Rules, read from the tracked sources in a few hundred milliseconds:
  1. A library includes only the libraries below it (LAYERS).
  2. No two units include each other, directly or around a longer loop. A
     unit is a header and its sources: server/hubsession.h, hubsession.cpp and
     hubsession_p.h are one unit; platform suffixes (_unix, _win, ...) too.
  3. A header named *_p.h is internal: only its own library, the tests and
     the fuzz targets (both white-box: they drive a parser directly) include it.
  4. Only the desktop app (app/, tests/app/) uses Qt Widgets.
Usage: scripts/check-layering.py [--verbose]
"""
import os
import re
import subprocess
import sys

# Each library and what it may include besides itself. Bottom-up:
# core <- platform <- linkfault; core <- protocol <- redis <- backplane <- server;
# protocol <- client <- launcher <- app. Nothing but tests sits above app.
LAYERS = {
    "core": set(),
    "platform": {"core"},
    "linkfault": {"core", "platform"},
    "protocol": {"core"},
    "resources": set(),
    "redis": {"core", "platform", "protocol"},
    "backplane": {"core", "platform", "protocol", "redis"},
    "server": {"core", "platform", "protocol", "redis", "backplane", "resources"},
    "client": {"core", "platform", "protocol"},
    "launcher": {"core", "platform", "protocol", "redis", "client", "linkfault"},
    "app": {"core", "platform", "protocol", "redis", "client", "launcher", "resources", "linkfault"},
    "bench": {"core", "platform", "protocol", "client"},
    "fuzz": {"core", "platform", "protocol", "redis", "backplane", "server",
             "client", "linkfault", "launcher"},
    "tests": None,  # tests may include anything
}
WIDGETS_ALLOWED = ("app/", "tests/app/")
PLATFORM_SUFFIX = re.compile(r"_(unix|win|linux|mac|other|posix|epoll|notifier)$")
INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^">]+)[">]', re.M)
QT_INCLUDE_DIRS = [
    "/usr/include/x86_64-linux-gnu/qt6/QtWidgets",
    "/usr/include/aarch64-linux-gnu/qt6/QtWidgets",
    "/usr/include/qt6/QtWidgets",
]


def library_of(path):
    return path.split("/", 1)[0]


def unit_of(path):
    stem = path
    for ext in (".h.in", ".cpp", ".h", ".mm"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    if stem.endswith("_p"):
        stem = stem[:-2]
    return PLATFORM_SUFFIX.sub("", stem)


def widgets_headers():
    for d in QT_INCLUDE_DIRS:
        if os.path.isdir(d):
            return {n for n in os.listdir(d) if n.startswith("Q") and "." not in n}
    # Without the Qt headers, fall back to the classes FarmChat's app uses.
    return {"QWidget", "QApplication", "QMainWindow", "QDialog", "QLabel",
            "QPushButton", "QLineEdit", "QComboBox", "QSpinBox", "QDockWidget",
            "QMessageBox", "QAbstractItemView", "QStyledItemDelegate"}


def resolve(including, target, tracked):
    """The tracked file an #include "..." names, or None (Qt, generated...)."""
    for candidate in (target, os.path.normpath(os.path.join(os.path.dirname(including), target))):
        if candidate in tracked:
            return candidate
        if candidate + ".in" in tracked:  # configure_file() headers
            return candidate + ".in"
    return None


def strongly_connected(graph):
    """Tarjan's algorithm, iterative; yields components of more than one unit."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def main():
    verbose = "--verbose" in sys.argv
    root = subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True).strip()
    os.chdir(root)
    files = subprocess.check_output(
        ["git", "ls-files", "*.cpp", "*.h", "*.h.in", "*.mm"], text=True).split()
    tracked = set(files)
    widgets = widgets_headers()
    problems = []
    graph = {}
    edge_site = {}
    for path in files:
        lib = library_of(path)
        allowed = LAYERS.get(lib, "unknown")
        if allowed == "unknown":
            problems.append(f"{path}: library '{lib}' is not in LAYERS of scripts/check-layering.py")
            continue
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        for match in INCLUDE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            kind, target = match.groups()
            name = target.split("/")[-1]
            if kind == "<":
                if (target.startswith("QtWidgets/") or name in widgets) and not path.startswith(WIDGETS_ALLOWED):
                    problems.append(f"{path}:{line}: includes <{target}>; only the app uses Qt Widgets")
                continue
            included = resolve(path, target, tracked)
            if included is None:
                continue
            other = library_of(included)
            if allowed is not None and other != lib and other not in allowed:
                problems.append(
                    f"{path}:{line}: {lib}/ includes {included}; {lib}/ may include only "
                    f"{', '.join(sorted(allowed)) or 'nothing else'}")
            if included.endswith("_p.h") and other != lib and lib not in ("tests", "fuzz"):
                problems.append(
                    f"{path}:{line}: includes {included}, internal to {other}/ "
                    f"(only {other}/, tests/ and fuzz/ may)")
            a, b = unit_of(path), unit_of(included)
            if a != b:
                graph.setdefault(a, set()).add(b)
                graph.setdefault(b, set())
                edge_site.setdefault((a, b), f"{path}:{line}")
    for component in strongly_connected(graph):
        members = set(component)
        sites = [edge_site[(a, b)] for a in component for b in sorted(graph[a]) if b in members]
        problems.append(f"include cycle between units {' <-> '.join(component)}: " + "; ".join(sites))
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"check-layering: {len(problems)} problem(s); the rules are at the top of "
              "scripts/check-layering.py", file=sys.stderr)
        return 1
    if verbose:
        for unit in sorted(graph):
            print(unit, "->", " ".join(sorted(graph[unit])))
    print(f"check-layering: {len(files)} files, {len(graph)} units: layers respected, no include cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
