"""One node at scale (docs/BENCHMARK.md, "Scaling"), FarmChat beside the Bun
node when it is installed, each measured on a fresh node with the backplane
off, the load generator on its own core:

  many clients  one node holding 50,000 clients in 500 rooms, or as many as
                this machine's open-file limit lets one process hold (the node
                and the load generator each need a descriptor per client);
                RSS growth per connection, the connect rate, then latency with
                1 % of the clients sending, one message per second each and
                then ten, each into its own room.
  room size     one node, one room of 100, 1,000 and 10,000 clients: max
                sustainable deliveries/s (the ramp) and latency at 100,000
                deliveries/s.
"""
import math
import resource
import statistics
import sys
import time

import farms

TARGET_CLIENTS = 50000
ROOMS = 500
SENDER_SHARE = 0.01
SENDER_RATES = (1, 10)  # messages per second per sender
ROOM_SIZES = (100, 1000, 10000)
SYSTEMS = ("farmchat", "bun")
PORTS_PER_SOURCE = 25000  # of the ~28,000 ephemeral ports one 127.x address offers


def _log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def clients_that_fit():
    """(clients, why fewer than TARGET_CLIENTS or None): the node and the load
    generator each hold one descriptor per client, under the hard limit that
    bench/run raised the soft one to."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    fit = (hard - 1000) // 1000 * 1000 if hard != resource.RLIM_INFINITY else TARGET_CLIENTS
    if fit >= TARGET_CLIENTS:
        return TARGET_CLIENTS, None
    return fit, (f"{fit:,} clients, not {TARGET_CLIENTS:,}: this machine's hard open-file limit "
                 f"(ulimit -Hn) is {hard:,}, and only root outside a container can raise it")


def _node(bench, system):
    if system == "farmchat":
        return farms.FarmChatFarm(bench.node, 1, "off", bench.redis,
                                  extra=["--max-connections", str(TARGET_CLIENTS + 1000)])
    return farms.BunFarm(bench.bun, bench.bun_dir, 1, "off", bench.redis)


def _many_clients_args(farm, clients, rate_per_sender, seconds):
    senders = max(1, int(clients * SENDER_SHARE))
    per_room = clients / ROOMS
    return ["run", "--protocol", farm.protocol, "--url", farm.urls()[0], "--clients", str(clients),
            "--rooms", str(ROOMS), "--senders", str(senders),
            "--source-addresses", str(max(1, math.ceil(clients / PORTS_PER_SOURCE))),
            "--rate", str(int(senders * rate_per_sender * min(per_room, clients))),
            "--duration", str(seconds), "--warmup", "0", "--drain", "3", "--concurrency", "200",
            "--connect-timeout", "300", "--expect", "node"]


def many_clients(bench, system, clients):
    """RSS per connection and connect rate once every client is in, then the
    latency at each sender rate. A fresh node per rate: one still closing the
    last run's clients would refuse the next ones at its descriptor limit."""
    out = {}
    for rate in SENDER_RATES:
        farm = _node(bench, system)
        try:
            before = sum(farms.rss_kib(pid) for pid in farm.pids())
            rss = {}

            def on_event(event, _proc):
                if event.get("event") == "measure-start" and "rss" not in rss:
                    rss["rss"] = sum(farms.rss_kib(pid) for pid in farm.pids())

            result = farms.run_loadgen(bench.loadgen, _many_clients_args(
                farm, clients, rate, bench.p["fixed"]), on_event)
            farm.check_alive()
        finally:
            farm.close()
        if "error" in result:
            raise RuntimeError(f"{system}: {result['error']}")
        r = result["result"]
        out[f"p50 {rate}"], out[f"p99 {rate}"] = r["p50_ms"], r["p99_ms"]
        out[f"lost {rate}"] = r["lost"]
        if rate == SENDER_RATES[0]:
            out["rss_kib_per_client"] = (rss["rss"] - before) / clients
            out["connect_per_second"] = result["connect"]["perSecond"]
        _log(f"  {system:9} {clients:,} clients, 1 % sending {rate}/s: "
             f"p50 {r['p50_ms']:.2f} ms p99 {r['p99_ms']:.2f} ms, lost {r['lost']}")
    _log(f"  {system:9} {clients:,} clients: {out['rss_kib_per_client']:.2f} KiB per connection, "
         f"connected at {out['connect_per_second']:,.0f}/s")
    return out


def p99_limit_ms(clients):
    """A message to a room is one write per member: the ramp's p99 bound is
    the benchmark's 50 ms up to rooms of 1,000 and grows with the room past
    that (500 ms at 10,000), or no rate would pass for either node."""
    return max(50, clients // 20)


def room_size(bench, system, clients, start, factor):
    """Max (the ramp), then latency and CPU at the fixed rate, each on a fresh
    node: 10,000 clients closing and 10,000 connecting would pass its
    descriptor limit."""
    farm = _node(bench, system)
    try:
        best = bench.ramp(farm, clients, start, factor, p99_limit_ms=p99_limit_ms(clients))
    finally:
        farm.close()
    farm = _node(bench, system)
    try:
        fixed = bench.fixed(farm, clients, bench.p["fixed"])
    finally:
        farm.close()
    return {"max": best, "p50": fixed["p50_ms"], "p99": fixed["p99_ms"],
            "cpu": fixed["cpu_us_per_delivery"]}


def _measure(bench, m, key, fn):
    try:
        m["scaling"]["runs"].setdefault(key, []).append(fn())
    except RuntimeError as e:
        _log(f"  INCIDENT {key}: {e}")
        m["incidents"].append({"system": key, "nodes": 1, "mode": "off", "error": str(e)[:2000]})


def run(bench, m):
    """Fills m["scaling"]: per (figure, system), one result per repetition."""
    systems = [s for s in SYSTEMS if s in bench.systems]
    clients, why = clients_that_fit()
    reps = bench.p["scaling_reps"]
    m["scaling"] = {"clients": clients, "limited": why, "systems": systems, "runs": {}}
    _log(f"scaling: {clients:,} clients in {ROOMS} rooms on one node, rooms of "
         f"{', '.join(f'{n:,}' for n in ROOM_SIZES)}; {', '.join(systems)}; {reps} repetition(s)")
    if why:
        _log(f"  note: {why}")
    for rep in range(reps):
        for system in bench.rotation(systems, rep):
            _measure(bench, m, f"many {system}", lambda: many_clients(bench, system, clients))
        for size in ROOM_SIZES:
            for system in bench.rotation(systems, rep):
                key = f"room {size} {system}"
                prior = [r["max"] for r in m["scaling"]["runs"].get(key, [])]
                start, factor = (bench.p["start"], bench.p["factor"]) if not prior else \
                    (0.6 * statistics.median(prior), 1.4)
                _measure(bench, m, key, lambda: room_size(bench, system, size, start, factor))


def _median(runs, field):
    values = [r[field] for r in runs if r.get(field) is not None]
    return statistics.median(values) if values else None


def rows(m):
    """One row per figure: the median per system and FarmChat ÷ Bun."""
    data = m.get("scaling")
    if not data:
        return []
    clients, runs, out = data["clients"], data["runs"], []

    def add(figure, unit, key, field):
        values = {s: _median(runs.get(f"{key} {s}", []), field) for s in SYSTEMS}
        ratio = values["farmchat"] / values["bun"] if values["farmchat"] is not None and values["bun"] else None
        out.append({"figure": figure, "unit": unit, "values": values, "farmchat_vs_bun": ratio,
                    "runs": {s: len(runs.get(f"{key} {s}", [])) for s in SYSTEMS}})

    many = f"{clients:,} clients on one node in {ROOMS} rooms"
    add(f"memory per connection, {many}", "KiB", "many", "rss_kib_per_client")
    add(f"connect rate up to {clients:,} clients", "clients/s", "many", "connect_per_second")
    for rate in SENDER_RATES:
        for pct in ("p50", "p99"):
            add(f"latency {pct}, {many}, 1 % sending {rate} message/s each", "ms", "many",
                f"{pct} {rate}")
    for size in ROOM_SIZES:
        add(f"max sustainable deliveries/s (p99 <= {p99_limit_ms(size)} ms), one room of {size:,} clients",
            "deliveries/s",
            f"room {size}", "max")
        add(f"latency p99 at 100,000 deliveries/s, one room of {size:,} clients", "ms",
            f"room {size}", "p99")
        add(f"CPU per delivery at 100,000 deliveries/s, one room of {size:,} clients", "us",
            f"room {size}", "cpu")
    return out


def lossless(bench):
    """`bench/run --check` item: the many-clients load in small (210 clients
    in 20 rooms of one FarmChat node, the first 10 sending, connected from two
    loopback source addresses) delivers every message exactly once, each to
    its sender's room only. Rooms 0-9 have 11 clients and the others 10, so
    the fan-out is 11 only when the senders are the first 10."""
    farm = _node(bench, "farmchat")
    try:
        out = farms.run_loadgen(bench.loadgen, [
            "run", "--protocol", farm.protocol, "--url", farm.urls()[0], "--clients", "210",
            "--rooms", "20", "--senders", "10", "--source-addresses", "2", "--rate", "2000",
            "--duration", "1", "--warmup", "0", "--drain", "5", "--expect", "node"])
        farm.check_alive()
    finally:
        farm.close()
    r = out["result"]
    return farms.is_lossless(r) and out["fanout"] == 11, f"fan-out {out['fanout']}: {r}"
