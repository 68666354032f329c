"""Turns the benchmark's measurements into the rows of the results table
(medians of the repetitions, FarmChat ÷ reference) and writes them as
bench/results/<date>.json and .md. The JSON row format is fixed by issue 8:
{"figure", "unit", "farmchat", "reference", "ratio", "target", "met"}; a row
whose target is about FarmChat's own value rather than the ratio (backplane
cost, streams vs pubsub) says so with "judged": "farmchat".
"""
import json
import math
import os
import re
import statistics

FIXED_RATE_LABEL = "100k deliveries/s"


def _median(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(values) if values else None


def _ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def _met(target, value):
    """target like ">= 3" or "<= 0.5"; value the number it is judged on."""
    if value is None:
        return False
    match = re.match(r"\s*(>=|<=)\s*([0-9.]+)", target)
    op, bound = match.group(1), float(match.group(2))
    return value >= bound if op == ">=" else value <= bound


def _row(figure, unit, fc, ref, target, judged="ratio"):
    ratio = _ratio(fc, ref)
    row = {"figure": figure, "unit": unit, "farmchat": fc, "reference": ref, "ratio": ratio,
           "target": target, "met": None}
    if target:
        row["met"] = _met(target, fc if judged == "farmchat" else ratio)
        if judged != "ratio":
            row["judged"] = judged
    return row


def build_rows(m, profile):
    rows, physical = [], []
    for nodes, per_node in profile["configs"]:
        cfg = f"{nodes}x{per_node}"
        clients = nodes * per_node
        label = f"{nodes} nodes x {per_node} clients"
        mx = {(s, mode): _median(m["max"].get((s, cfg, mode), [])) for s in ("farmchat", "reference")
              for mode in ("off", "pubsub", "streams")}
        rows.append(_row(f"max sustainable deliveries/s, pubsub ({label})", "deliveries/s",
                         mx["farmchat", "pubsub"], mx["reference", "pubsub"], ">= 3"))
        fixed = {s: m["fixed"].get((s, cfg), []) for s in ("farmchat", "reference")}
        for key, name, target in (("p50_ms", "p50", ""), ("p99_ms", "p99", "<= 0.5")):
            rows.append(_row(f"latency {name} at {FIXED_RATE_LABEL}, pubsub ({label})", "ms",
                             _median([r[key] for r in fixed["farmchat"]]),
                             _median([r[key] for r in fixed["reference"]]), target))
        rows.append(_row(f"CPU per delivery at {FIXED_RATE_LABEL}, pubsub ({label})", "us",
                         _median([r["cpu_us_per_delivery"] for r in fixed["farmchat"]]),
                         _median([r["cpu_us_per_delivery"] for r in fixed["reference"]]), "<= 0.6"))
        rows.append(_row(f"backplane cost: max pubsub / max off ({label})", "ratio",
                         _ratio(mx["farmchat", "pubsub"], mx["farmchat", "off"]),
                         _ratio(mx["reference", "pubsub"], mx["reference", "off"]), ">= 0.8", "farmchat"))
        rows.append(_row(f"streams vs pubsub: max streams / max pubsub ({label})", "ratio",
                         _ratio(mx["farmchat", "streams"], mx["farmchat", "pubsub"]),
                         _ratio(mx["reference", "streams"], mx["reference", "pubsub"]), ">= 0.7", "farmchat"))
        fan = m["physical"].get(f"fanout {clients}")
        physical.append({"figure": f"loopback WebSocket fan-out, 1 process, {clients} clients", "unit": "deliveries/s",
                         "value": fan, "farmchat": mx["farmchat", "off"],
                         "farmchat_share": _ratio(mx["farmchat", "off"], fan),
                         "note": "FarmChat = max with backplane off"})
        physical.append({"figure": f"redis-benchmark PUBLISH vs FarmChat messages/s at max ({label})",
                         "unit": "messages/s", "value": m["physical"].get("redis publish"),
                         "farmchat": _ratio(mx["farmchat", "pubsub"], clients),
                         "farmchat_share": _ratio(_ratio(mx["farmchat", "pubsub"], clients),
                                                  m["physical"].get("redis publish")),
                         "note": "each message FarmChat sends is one PUBLISH"})
    idle = profile["idle"]
    rows.append(_row(f"memory per idle connection (RSS growth / {idle:,} idle clients, 2 nodes)", "KiB",
                     _median(m["memory"].get("farmchat", [])), _median(m["memory"].get("reference", [])), "<= 1.0"))
    fc_cold = _median(m["cold"].get("farmchat", []))
    ref_cold = _median(m["cold"].get("reference", []))
    cold = _row("farm cold start (Redis + 4 nodes until all healthy)", "ms",
                fc_cold * 1000 if fc_cold else None, ref_cold * 1000 if ref_cold else None, "<= 0.25")
    cold["target"] = "<= 0.25, and < 1 s"
    cold["met"] = bool(cold["met"]) and fc_cold is not None and fc_cold < 1.0
    rows.append(cold)
    rows.append(_row("connect rate (one node)", "clients/s", _median(m["connect"].get("farmchat", [])),
                     _median(m["connect"].get("reference", [])), ">= 1"))
    return rows, physical


def _fmt(value, unit=""):
    if value is None:
        return "-"
    if unit in ("ratio",) or abs(value) < 10:
        return f"{value:.2f}"
    return f"{value:,.0f}"


def format_table(doc):
    lines = ["| figure | unit | FarmChat | reference | FarmChat ÷ reference | target | met |",
             "|---|---|---:|---:|---:|---|---|"]
    for r in doc["rows"]:
        target = r["target"] or "(info)"
        if r.get("judged") == "farmchat":
            target += " (FarmChat's value)"
        met = "-" if r["met"] is None else ("yes" if r["met"] else "**no**")
        lines.append(f"| {r['figure']} | {r['unit']} | {_fmt(r['farmchat'], r['unit'])} | "
                     f"{_fmt(r['reference'], r['unit'])} | {_fmt(r['ratio'], 'ratio')} | {target} | {met} |")
    lines += ["", "| physical reference | unit | machine | FarmChat | FarmChat ÷ machine | note |",
              "|---|---|---:|---:|---:|---|"]
    for p in doc["physical"]:
        lines.append(f"| {p['figure']} | {p['unit']} | {_fmt(p['value'])} | {_fmt(p['farmchat'])} | "
                     f"{_fmt(p['farmchat_share'], 'ratio')} | {p['note']} |")
    return "\n".join(lines)


def write_results(doc, folder, suffix):
    os.makedirs(folder, exist_ok=True)
    stem = doc["date"].replace(":", "").replace("T", "-")[:15] + (f"-{suffix}" if suffix else "")
    json_path = os.path.join(folder, stem + ".json")
    md_path = os.path.join(folder, stem + ".md")
    with open(json_path + ".tmp", "w") as f:
        json.dump(doc, f, indent=2)
    os.replace(json_path + ".tmp", json_path)
    mach = doc["machine"]
    met = sum(1 for r in doc["rows"] if r["met"])
    judged = sum(1 for r in doc["rows"] if r["met"] is not None)
    header = (f"# FarmChat benchmark {doc['date']} ({doc['profile']}, {doc['reps']} repetition(s), medians)\n\n"
              f"Commit `{doc['commit']}` on {mach['cpu']} ({mach['cores']} cores, {mach['memory_gib']} GiB, "
              f"Linux {mach['kernel']}); load average {mach['load_at_start']:.2f} at start, "
              f"{mach.get('load_at_end', 0):.2f} at end; {mach.get('seconds', 0)} s. Farm on core 0, load "
              f"generator on core 1. Targets met: {met} of {judged}.\n\n")
    incidents = "".join(f"- {i['system']}, {i['nodes']} nodes, {i['mode']}: {i['error'][:600]}\n"
                        for i in doc.get("incidents", []))
    if incidents:
        incidents = "\nIncidents (repetitions left out of the medians):\n\n" + incidents
    with open(md_path, "w") as f:
        f.write(header + format_table(doc) + "\n" + incidents)
    return [json_path, md_path]
