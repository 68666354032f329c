#!/usr/bin/env python3
"""Runs one scenario file through farmchat-launcher --scenario, as a user would.

Its logs and report go to a temp dir that is always removed. Passes when the
launcher's exit status is the one expected (0 by default) and its report says
the same. With --expect-fail, the run must fail and its output must name the
given expectation with its measured value: proof the checks can fail.

Usage: run_scenario.py FILE [--expect-fail TEXT]
Environment: FARMCHAT_LAUNCHER_BIN (set by ctest).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

TIMEOUT_S = 240


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario")
    parser.add_argument("--expect-fail", metavar="TEXT")
    args = parser.parse_args()
    launcher = os.environ.get("FARMCHAT_LAUNCHER_BIN")
    if not launcher or not os.access(launcher, os.X_OK):
        print("FARMCHAT_LAUNCHER_BIN is not an executable: build farmchat-launcher")
        return 1
    with tempfile.TemporaryDirectory(prefix="farmchat-scenario-") as tmp:
        report = os.path.join(tmp, "report.html")
        command = [launcher, "--scenario", args.scenario, "--report", report,
                   "--log-dir", os.path.join(tmp, "logs")]
        try:
            run = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                 text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired as e:
            print(f"the run took over {TIMEOUT_S} s:\n{e.stdout or ''}{e.stderr or ''}")
            return 1
        output = run.stdout + run.stderr
        verdicts = [line for line in output.splitlines()
                    if "scenario '" in line or " pass " in line or " FAIL " in line]
        print("\n".join(verdicts))
        if not os.path.exists(report + "") or not os.path.exists(
                os.path.join(tmp, "report.json")):
            print(output[-6000:])
            print("no report was written")
            return 1
        with open(os.path.join(tmp, "report.json"), encoding="utf-8") as f:
            data = json.load(f)
        if data["passed"] != (run.returncode == 0):
            print(f"exit status {run.returncode} but the report says passed={data['passed']}")
            return 1
        if args.expect_fail is None:
            if run.returncode != 0:
                print(output[-8000:])
                return 1
            return 0
        failing = [e for e in data["expectations"] if not e["passed"]]
        named = [e for e in failing if args.expect_fail in e["text"]]
        if run.returncode != 1 or not named:
            print(f"expected a failure naming '{args.expect_fail}'; exit {run.returncode}, "
                  f"failing: {failing}")
            return 1
        line = [l for l in verdicts if "FAIL" in l and args.expect_fail in l]
        if not line or "measured " + named[0]["measured"] not in line[0]:
            print("the console does not show the failed expectation with its measured value")
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main())
