#!/usr/bin/env python3
"""Opens the sample run report (DeliveryReport::html(), written by
farmchat_report_sample) in headless Chromium and fails on any console message
(the page has no scripts: a message is a CSP violation or an error) or any
network request the page makes, then checks the DOM holds the expectations,
every pane and the delivery matrix, and takes a screenshot.

It first shows it can see both failures, on a canary page that logs an error
and fetches an image, so it cannot pass because Chromium's logging changed.
A missing Chromium fails the test, in CI and elsewhere (the project has no
skip convention for script tests).

Usage: check_report_html.py --sample PATH/farmchat_report_sample
           [--screenshot OUT.png] [--window-size 1280,2000] [--chromium PATH]
"""
import argparse
import html
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

CANARY = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>canary</title></head>
<body><img src="http://canary.invalid/pixel.png">
<script>console.error("canary"); noSuchFunction();</script></body></html>
"""
TIMEOUT_S = 60


def find_chromium(explicit):
    for name in [explicit, os.environ.get("CHROMIUM"), "chromium", "chromium-browser",
                 "google-chrome", "google-chrome-stable"]:
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def run(command):
    """Runs a command in its own process group; kills the whole group on a timeout."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, errors="replace", start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise SystemExit(f"check_report_html: timed out after {TIMEOUT_S} s: {command[0]}")
    return proc.returncode, out, err


def chromium_args(chromium, work, name):
    # A throw-away profile; no name resolves, so nothing can leave the machine
    # even if a request slipped through.
    return [chromium, "--headless=new", "--disable-gpu", "--no-sandbox",
            "--enable-logging=stderr", "--v=0", f"--user-data-dir={work}/profile-{name}",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND"]


def page_requests(netlog_path):
    """URLs the page asked the network for: requests made for a file:// frame.
    Chromium's own background requests have no such initiator and are ignored."""
    with open(netlog_path, encoding="utf-8", errors="replace") as handle:
        text = handle.read().rstrip().rstrip(",")
    if not text.endswith("}"):  # a NetLog cut short by the exit lacks its closing brackets
        text += "]}"
    log = json.loads(text)
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log.get("events", []):
        params = event.get("params", {})
        if event.get("type") != start_job or "url" not in params:
            continue
        if "file://" in params.get("network_isolation_key", "") or params.get("initiator") == "null":
            urls.append(params["url"])
    return urls


def console_lines(stderr):
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def open_page(chromium, work, name, path):
    """Loads `path`; returns (DOM, console lines, page requests)."""
    netlog = os.path.join(work, f"{name}.netlog.json")
    command = chromium_args(chromium, work, name) + [f"--log-net-log={netlog}", "--dump-dom",
                                                     "file://" + path]
    code, dom, err = run(command)
    if code != 0 or not dom.strip():
        raise SystemExit(f"check_report_html: Chromium failed on {name} (exit {code}):\n{err[-2000:]}")
    return dom, console_lines(err), page_requests(netlog)


def check_canary(chromium, work):
    path = os.path.join(work, "canary.html")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(CANARY)
    _, console, requests = open_page(chromium, work, "canary", path)
    problems = []
    if not any("canary" in line for line in console):
        problems.append("did not see the canary page's console error")
    if not any("canary.invalid" in url for url in requests):
        problems.append("did not see the canary page's network request")
    return [f"self-check: {p} (Chromium's logging changed?)" for p in problems]


def check_report(chromium, work, report_html, report_json):
    dom, console, requests = open_page(chromium, work, "report", report_html)
    problems = [f"console: {line.strip()}" for line in console]
    problems += [f"network request: {url}" for url in requests]
    with open(report_json, encoding="utf-8") as handle:
        report = json.load(handle)
    wanted = ['id="matrix-table"', 'id="expectations"', "<polyline", 'class="strip"']
    wanted += [html.escape(e["text"], quote=False) for e in report["expectations"]]
    wanted += [html.escape(p["id"], quote=False) for p in report["panes"]]
    problems += [f"the DOM lacks {w!r}" for w in wanted if w not in dom]
    rows = dom.count('<td class="c s-')
    if rows != len(report["rows"]) * len(report["panes"]):
        problems.append(f"the matrix has {rows} cells, the report "
                        f"{len(report['rows'])} rows x {len(report['panes'])} panes")
    if "<script" in dom:
        problems.append("the page has a script")
    return problems


def screenshot(chromium, work, report_html, size, keep):
    shot = os.path.join(work, "report.png")
    code, _, err = run(chromium_args(chromium, work, "shot") +
                       [f"--screenshot={shot}", f"--window-size={size}", "file://" + report_html])
    problems = [f"console: {line.strip()}" for line in console_lines(err)]
    if code != 0 or not os.path.isfile(shot) or os.path.getsize(shot) < 10_000:
        problems.append(f"no screenshot (exit {code}):\n{err[-2000:]}")
    elif keep:
        shutil.copyfile(shot, keep)
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", required=True, help="the farmchat_report_sample binary")
    parser.add_argument("--screenshot", help="keep the screenshot here")
    parser.add_argument("--window-size", default="1280,2000")
    parser.add_argument("--chromium", help="the browser (default: chromium on PATH, or $CHROMIUM)")
    args = parser.parse_args()
    chromium = find_chromium(args.chromium)
    if not chromium:
        ci = " (CI=true)" if os.environ.get("CI") == "true" else ""
        print(f"check_report_html: Chromium not found{ci}; install the Debian package chromium "
              "or set CHROMIUM", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="farmchat-report-") as work:
        report_html = os.path.join(work, "report.html")
        code, _, err = run([args.sample, report_html])
        if code != 0:
            print(f"check_report_html: {args.sample} failed:\n{err}", file=sys.stderr)
            return 1
        problems = check_canary(chromium, work)
        if not problems:
            problems = check_report(chromium, work, report_html, os.path.join(work, "report.json"))
            problems += screenshot(chromium, work, report_html, args.window_size, args.screenshot)
    for problem in problems:
        print(f"check_report_html: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("check_report_html: the report opens in Chromium without console messages or "
          "network requests, and shows expectations, panes and matrix")
    return 0


if __name__ == "__main__":
    sys.exit(main())
