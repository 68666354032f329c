"""Turns the benchmark's measurements into the rows of the results table
(medians of the repetitions, FarmChat ÷ each other system) and writes them as
bench/results/<date>.json and .md. The JSON row format is fixed by issue 8:
{"figure", "unit", "farmchat", "reference", "ratio", "target", "met"}, where
"reference" is the Socket.IO farm and the targets are judged on its ratio; a
row whose target is about FarmChat's own value rather than the ratio
(backplane cost, streams vs pubsub) says so with "judged": "farmchat". The
ASP.NET Core farm adds "aspnetcore" and "ratio_aspnetcore" (FarmChat ÷ ASP.NET
Core), and "aspnetcore_absent" with the reason where it has no value by design.
The Bun farm adds "bun", "ratio_bun" and "bun_absent" the same way, and on the
rows with a target against Bun "target_bun" and "met_bun" (judged on
FarmChat ÷ Bun, beside the Socket.IO target, not instead of it).
"""
import json
import math
import os
import re
import statistics

FIXED_RATE_LABEL = "100k deliveries/s"
SYSTEMS = ("farmchat", "aspnetcore", "bun", "reference")  # the table's column order
NAMES = {"farmchat": "FarmChat", "aspnetcore": "ASP.NET Core", "bun": "Bun", "reference": "Socket.IO"}
RATIO_KEYS = {"aspnetcore": "ratio_aspnetcore", "bun": "ratio_bun", "reference": "ratio"}
NO_STREAMS = {"aspnetcore": "ASP.NET Core has no streams backplane (AddStackExchangeRedis is Redis pub/sub only)",
              "bun": "the Bun farm has no streams backplane (its nodes use Bun's Redis client for pub/sub only)"}
FOOTNOTE_MARKS = "¹²³⁴⁵"


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


def _row(figure, unit, values, target, judged="ratio", absent=None, bun_target=""):
    """values: {system: median}; absent: {system: why it has no value here by
    design}; bun_target: the target on FarmChat ÷ Bun, if this row has one."""
    fc = values.get("farmchat")
    row = {"figure": figure, "unit": unit, "farmchat": fc}
    for system, key in RATIO_KEYS.items():
        row[system] = values.get(system)
        row[key] = _ratio(fc, values.get(system))
    row.update(target=target, met=None)
    for system, why in (absent or {}).items():
        row[f"{system}_absent"] = why
    if target:
        row["met"] = _met(target, fc if judged == "farmchat" else row["ratio"])
        if judged != "ratio":
            row["judged"] = judged
    if bun_target:
        row["target_bun"], row["met_bun"] = bun_target, _met(bun_target, row["ratio_bun"])
    return row


def _per_system(fn):
    return {s: fn(s) for s in SYSTEMS}


def _config_rows(m, nodes, per_node):
    cfg, label = f"{nodes}x{per_node}", f"{nodes} nodes x {per_node} clients"
    mx = {(s, mode): _median(m["max"].get((s, cfg, mode), [])) for s in SYSTEMS
          for mode in ("off", "pubsub", "streams")}
    rows = [_row(f"max sustainable deliveries/s, pubsub ({label})", "deliveries/s",
                 _per_system(lambda s: mx[s, "pubsub"]), ">= 3", bun_target=">= 1.0")]
    fixed = {s: m["fixed"].get((s, cfg), []) for s in SYSTEMS}
    for key, name, target, bun_target in (("p50_ms", "p50", "", ""), ("p99_ms", "p99", "<= 0.5", "<= 1.0")):
        rows.append(_row(f"latency {name} at {FIXED_RATE_LABEL}, pubsub ({label})", "ms",
                         _per_system(lambda s: _median([r[key] for r in fixed[s]])), target,
                         bun_target=bun_target))
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
                     _per_system(lambda s: _median(m["memory"].get(s, []))), "<= 1.0", bun_target="<= 1.0"))
    cold_s = _per_system(lambda s: _median(m["cold"].get(s, [])))
    cold = _row("farm cold start (Redis + 4 nodes until all healthy)", "ms",
                {s: v * 1000 if v else None for s, v in cold_s.items()}, "<= 0.25")
    cold["target"] = "<= 0.25, and < 1 s"
    cold["met"] = bool(cold["met"]) and cold_s["farmchat"] is not None and cold_s["farmchat"] < 1.0
    rows.append(cold)
    rows.append(_row("connect rate (one node)", "clients/s",
                     _per_system(lambda s: _median(m["connect"].get(s, []))), ">= 1"))
    if "bun" not in m.get("systems", SYSTEMS):
        for row in rows:  # not run: its targets are not judged
            if "target_bun" in row:
                row["met_bun"] = None
    return rows, physical


def _fmt(value, unit=""):
    if value is None:
        return "-"
    if unit in ("ratio",) or abs(value) < 10:
        return f"{value:.2f}"
    return f"{value:,.0f}"


def _met_cell(met):
    return "-" if met is None else ("yes" if met else "**no**")


def format_links(links):
    """The link proxies' cost: the launcher farm without and with its proxies."""
    lines = ["| link proxies (farmchat-launcher, no fault set) | unit | without --link-faults | "
             "with --link-faults | with ÷ without | repetitions (without; with) |", "|---|---|---:|---:|---:|---|"]
    for r in links:
        runs = "; ".join(", ".join(_fmt(v, r["unit"]) for v in r["runs"][side]) or "-" for side in ("without", "with"))
        lines.append(f"| {r['figure']} | {r['unit']} | {_fmt(r['without'], r['unit'])} | "
                     f"{_fmt(r['with'], r['unit'])} | {_fmt(r['ratio'], 'ratio')} | {runs} |")
    return "\n".join(lines)


def format_cluster(rows):
    """The Redis Cluster figure: FarmChat on one Redis and on the cluster
    (pub/sub, then streams), Socket.IO's sharded adapter on the same cluster.
    Results from before streams ran on a cluster have no streams sides."""
    sides = ("farmchat single", "farmchat cluster", "socket.io cluster", "farmchat single streams",
             "farmchat cluster streams")
    lines = ["| Redis Cluster (3 shards) | unit | FarmChat pubsub, one Redis | FarmChat pubsub, cluster "
             "(sharded) | Socket.IO sharded adapter, cluster | FarmChat streams, one Redis | FarmChat "
             "streams, cluster (per shard) | pubsub cluster ÷ one Redis | streams cluster ÷ one Redis | "
             "FarmChat pubsub ÷ Socket.IO (cluster) | repetitions |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        runs = "; ".join(", ".join(_fmt(v, r["unit"]) for v in r["runs"].get(side, [])) or "-"
                         for side in sides)
        values = " | ".join(_fmt(r["values"].get(side), r["unit"]) for side in sides)
        lines.append(f"| {r['figure']} | {r['unit']} | {values} | {_fmt(r['cluster_vs_single'], 'ratio')} | "
                     f"{_fmt(r.get('streams_cluster_vs_single'), 'ratio')} | "
                     f"{_fmt(r['farmchat_vs_socketio'], 'ratio')} | {runs} |")
    return "\n".join(lines)


def format_scaling(doc):
    """One node at scale: FarmChat beside Bun, FarmChat ÷ Bun, and why the
    clients are fewer than the 50,000 asked for when the machine says so."""
    lines = ["| one node at scale (backplane off) | unit | FarmChat | Bun | FarmChat ÷ Bun | repetitions |",
             "|---|---|---:|---:|---:|---|"]
    for r in doc["scaling"]:
        runs = ", ".join(f"{s} {n}" for s, n in r["runs"].items() if n)
        lines.append(f"| {r['figure']} | {r['unit']} | {_fmt(r['values'].get('farmchat'), r['unit'])} | "
                     f"{_fmt(r['values'].get('bun'), r['unit'])} | {_fmt(r['farmchat_vs_bun'], 'ratio')} | "
                     f"{runs or '-'} |")
    if doc.get("scaling_limited"):
        lines.append(f"\nClients: {doc['scaling_limited']}.")
    return "\n".join(lines)


def format_table(doc):
    """The results table: a column and a FarmChat ÷ column for each system
    that ran, and the targets against Bun when Bun ran; the physical
    references and the link proxies' cost below it. Old results files have
    no "systems" (FarmChat and Socket.IO) and no "links"; a run of one figure
    (--only) has no rows."""
    parts = [_main_table(doc)] if doc["rows"] else []
    if doc["physical"]:
        parts.append(_physical_table(doc))
    if doc.get("links"):
        parts.append(format_links(doc["links"]))
    if doc.get("cluster"):
        parts.append(format_cluster(doc["cluster"]))
    if doc.get("scaling"):
        parts.append(format_scaling(doc))
    return "\n\n".join(parts)


def _main_table(doc):
    ran = doc.get("systems", ("farmchat", "reference"))
    others = [s for s in SYSTEMS[1:] if s in ran]
    bun = "bun" in ran
    head = ("| figure | unit | " + " | ".join(NAMES[s] for s in ["farmchat"] + others) + " | "
            + " | ".join(f"FarmChat ÷ {NAMES[s]}" for s in others) + " | target | met |"
            + (" target ÷ Bun | met ÷ Bun |" if bun else ""))
    lines = [head, "|---|---|" + "---:|" * (1 + 2 * len(others)) + "---|---|" + ("---|---|" if bun else "")]
    absent = []
    for r in doc["rows"]:
        target = r["target"] or "(info)"
        if r.get("judged") == "farmchat":
            target += " (FarmChat's value)"
        elif r["target"]:
            target += " (÷ Socket.IO)"
        marks = {}
        for s in others:
            why = r.get(f"{s}_absent")
            if why and r.get(s) is None:
                if why not in absent:
                    absent.append(why)
                marks[s] = "—" + FOOTNOTE_MARKS[absent.index(why)]
        cells = [r["figure"], r["unit"], _fmt(r["farmchat"], r["unit"])]
        cells += [marks.get(s) or _fmt(r.get(s), r["unit"]) for s in others]
        cells += [marks.get(s) or _fmt(r.get(RATIO_KEYS[s]), "ratio") for s in others]
        cells += [target, _met_cell(r["met"])]
        if bun:
            cells += [r.get("target_bun") or "-", _met_cell(r.get("met_bun"))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [f"\n{FOOTNOTE_MARKS[i]} {why}." for i, why in enumerate(absent)]
    return "\n".join(lines)


def _physical_table(doc):
    lines = ["| physical reference | unit | machine | FarmChat | FarmChat ÷ machine | note |",
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
    bun_judged = [r["met_bun"] for r in doc["rows"] if r.get("met_bun") is not None]
    against_bun = (f"; against Bun: {sum(bun_judged)} of {len(bun_judged)} (judged on FarmChat ÷ Bun)"
                   if bun_judged else "")
    header = (f"# FarmChat benchmark {doc['date']} ({doc['profile']}, {doc['reps']} repetition(s), medians)\n\n"
              f"Commit `{doc['commit']}` on {mach['cpu']} ({mach['cores']} cores, {mach['memory_gib']} GiB, "
              f"Linux {mach['kernel']}); load average {mach['load_at_start']:.2f} at start, "
              f"{mach.get('load_at_end', 0):.2f} at end; {mach.get('seconds', 0)} s. Farm on core 0, load "
              f"generator on core 1." + (f" Targets met: {met} of {judged} (judged on FarmChat ÷ Socket.IO)"
                                         f"{against_bun}." if judged else "")
              + (f" Only the {doc['only']} figure." if doc.get("only") else "") + "\n\n")
    if doc.get("note"):
        header += f"Note: {doc['note'].rstrip('.')}.\n\n"
    if "aspnetcore" not in doc.get("systems", ("aspnetcore",)) and not doc.get("only"):
        header += f"No ASP.NET Core column: {doc.get('aspnetcore_missing', 'not run')}\n\n"
    if "bun" not in doc.get("systems", ("bun",)) and not doc.get("only"):
        header += f"No Bun column: {doc.get('bun_missing', 'not run')}\n\n"
    incidents = "".join(f"- {i['system']}, {i['nodes']} nodes, {i['mode']}: {i['error'][:600]}\n"
                        for i in doc.get("incidents", []))
    if incidents:
        incidents = "\nIncidents (repetitions left out of the medians):\n\n" + incidents
    with open(md_path, "w") as f:
        f.write(header + format_table(doc) + "\n" + incidents)
    return [json_path, md_path]
