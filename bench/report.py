"""Turns the benchmark's measurements into the rows of the results table
(medians of the repetitions, FarmChat ÷ each other system) and writes them as
bench/results/<date>.json and .md. The JSON row format is fixed by issue 8:
{"figure", "unit", "farmchat", "reference", "ratio", "target", "met"}, where
"reference" is the Socket.IO farm and the targets are judged on its ratio; a
row whose target is about FarmChat's own value rather than the ratio
(backplane cost, streams vs pubsub) says so with "judged": "farmchat". The
ASP.NET Core farm adds "aspnetcore" and "ratio_aspnetcore" (FarmChat ÷ ASP.NET
Core), and "aspnetcore_absent" with the reason where it has no value by design.
"""
import json
import math
import os
import re
import statistics

FIXED_RATE_LABEL = "100k deliveries/s"
SYSTEMS = ("farmchat", "aspnetcore", "reference")
NO_STREAMS = "ASP.NET Core has no streams backplane (AddStackExchangeRedis is Redis pub/sub only)"


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


def _row(figure, unit, values, target, judged="ratio", absent=None):
    """values: {system: median}; absent: why ASP.NET Core has no value here."""
    fc, ref, asp = values.get("farmchat"), values.get("reference"), values.get("aspnetcore")
    ratio = _ratio(fc, ref)
    row = {"figure": figure, "unit": unit, "farmchat": fc, "reference": ref, "ratio": ratio,
           "target": target, "met": None, "aspnetcore": asp, "ratio_aspnetcore": _ratio(fc, asp)}
    if absent:
        row["aspnetcore_absent"] = absent
    if target:
        row["met"] = _met(target, fc if judged == "farmchat" else ratio)
        if judged != "ratio":
            row["judged"] = judged
    return row


def _per_system(fn):
    return {s: fn(s) for s in SYSTEMS}


def _config_rows(m, nodes, per_node):
    cfg, label = f"{nodes}x{per_node}", f"{nodes} nodes x {per_node} clients"
    mx = {(s, mode): _median(m["max"].get((s, cfg, mode), [])) for s in SYSTEMS
          for mode in ("off", "pubsub", "streams")}
    rows = [_row(f"max sustainable deliveries/s, pubsub ({label})", "deliveries/s",
                 _per_system(lambda s: mx[s, "pubsub"]), ">= 3")]
    fixed = {s: m["fixed"].get((s, cfg), []) for s in SYSTEMS}
    for key, name, target in (("p50_ms", "p50", ""), ("p99_ms", "p99", "<= 0.5")):
        rows.append(_row(f"latency {name} at {FIXED_RATE_LABEL}, pubsub ({label})", "ms",
                         _per_system(lambda s: _median([r[key] for r in fixed[s]])), target))
    rows.append(_row(f"CPU per delivery at {FIXED_RATE_LABEL}, pubsub ({label})", "us",
                     _per_system(lambda s: _median([r["cpu_us_per_delivery"] for r in fixed[s]])), "<= 0.6"))
    rows.append(_row(f"backplane cost: max pubsub / max off ({label})", "ratio",
                     _per_system(lambda s: _ratio(mx[s, "pubsub"], mx[s, "off"])), ">= 0.8", "farmchat"))
    rows.append(_row(f"streams vs pubsub: max streams / max pubsub ({label})", "ratio",
                     _per_system(lambda s: _ratio(mx[s, "streams"], mx[s, "pubsub"])), ">= 0.7", "farmchat",
                     absent=NO_STREAMS))
    return rows, mx


def build_rows(m, profile):
    rows, physical = [], []
    for nodes, per_node in profile["configs"]:
        label = f"{nodes} nodes x {per_node} clients"
        clients = nodes * per_node
        config_rows, mx = _config_rows(m, nodes, per_node)
        rows += config_rows
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
                     _per_system(lambda s: _median(m["memory"].get(s, []))), "<= 1.0"))
    cold_s = _per_system(lambda s: _median(m["cold"].get(s, [])))
    cold = _row("farm cold start (Redis + 4 nodes until all healthy)", "ms",
                {s: v * 1000 if v else None for s, v in cold_s.items()}, "<= 0.25")
    cold["target"] = "<= 0.25, and < 1 s"
    cold["met"] = bool(cold["met"]) and cold_s["farmchat"] is not None and cold_s["farmchat"] < 1.0
    rows.append(cold)
    rows.append(_row("connect rate (one node)", "clients/s",
                     _per_system(lambda s: _median(m["connect"].get(s, []))), ">= 1"))
    return rows, physical


def _fmt(value, unit=""):
    if value is None:
        return "-"
    if unit in ("ratio",) or abs(value) < 10:
        return f"{value:.2f}"
    return f"{value:,.0f}"


def format_table(doc):
    """The results table; the ASP.NET Core columns only when that farm ran.
    Old results files have no "systems": FarmChat and Socket.IO."""
    asp = "aspnetcore" in doc.get("systems", ())
    head = "| figure | unit | FarmChat |" + (" ASP.NET Core |" if asp else "") + " Socket.IO |"
    head += (" FarmChat ÷ ASP.NET Core |" if asp else "") + " FarmChat ÷ Socket.IO | target | met |"
    lines = [head, "|---|---|" + "---:|" * (5 if asp else 3) + "---|---|"]
    absent = []
    for r in doc["rows"]:
        target = r["target"] or "(info)"
        if r.get("judged") == "farmchat":
            target += " (FarmChat's value)"
        elif r["target"]:
            target += " (÷ Socket.IO)"
        met = "-" if r["met"] is None else ("yes" if r["met"] else "**no**")
        cells = [r["figure"], r["unit"], _fmt(r["farmchat"], r["unit"])]
        if asp:
            mark = ""
            if r.get("aspnetcore_absent") and r.get("aspnetcore") is None:
                if r["aspnetcore_absent"] not in absent:
                    absent.append(r["aspnetcore_absent"])
                mark = "—" + "¹²³"[absent.index(r["aspnetcore_absent"])]
            cells.append(mark or _fmt(r.get("aspnetcore"), r["unit"]))
        cells.append(_fmt(r["reference"], r["unit"]))
        if asp:
            cells.append(mark or _fmt(r.get("ratio_aspnetcore"), "ratio"))
        cells += [_fmt(r["ratio"], "ratio"), target, met]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [f"\n{'¹²³'[i]} {why}." for i, why in enumerate(absent)]
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
              f"generator on core 1. Targets met: {met} of {judged} (judged on FarmChat ÷ Socket.IO).\n\n")
    if doc.get("note"):
        header += f"Note: {doc['note'].rstrip('.')}.\n\n"
    if "aspnetcore" not in doc.get("systems", ("aspnetcore",)):
        header += f"No ASP.NET Core column: {doc.get('aspnetcore_missing', 'not run')}\n\n"
    incidents = "".join(f"- {i['system']}, {i['nodes']} nodes, {i['mode']}: {i['error'][:600]}\n"
                        for i in doc.get("incidents", []))
    if incidents:
        incidents = "\nIncidents (repetitions left out of the medians):\n\n" + incidents
    with open(md_path, "w") as f:
        f.write(header + format_table(doc) + "\n" + incidents)
    return [json_path, md_path]
