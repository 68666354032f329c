"""The link proxies' own cost: the FarmChat farm as `farmchat-launcher` runs
it, with every node's Redis link through the launcher's loopback proxies
(--link-faults, no fault set) against the same launcher without them: max
deliveries/s, and latency and CPU at a fixed rate, of 2 nodes x 100 clients on
pub/sub, the side measured first alternating over the repetitions. Reported as
with ÷ without (docs/BENCHMARK.md, "Link proxies").
"""
import collections
import json
import os
import statistics
import sys
import time

import farms

NODES, PER_NODE, MODE = 2, 100, "pubsub"
# A ramp step passes while p99 stays under this. The other maxima use 50 ms;
# here it is looser so the figure is the throughput the proxies let through,
# not a latency step near 50 ms deciding pass or fail at random: the
# latency the proxies add has its own rows (p50, p99 at the fixed rate).
P99_LIMIT_MS = 250
SIDES = ("without", "with")


def _log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class LauncherFarm:
    """A FarmChat farm as `farmchat-launcher` runs it, headless against the
    bench's Redis (--redis-url), pinned to the farm core with its nodes (they
    inherit the affinity). With `link_faults` every node's Redis link goes
    through the launcher's own loopback proxies (--link-faults, no fault set),
    which run on a thread of the launcher process: their CPU is on the farm
    core too. Without, the same launcher starts the same nodes, so the proxies
    are the only difference."""

    protocol = "signalr"
    path = "/chat"
    start_timeout = 20.0

    def __init__(self, launcher_bin, node_bin, nodes, mode, redis, link_faults):
        self.nodes, self.mode, self.redis, self.link_faults = nodes, mode, redis, link_faults
        self.label = "with link proxies" if link_faults else "without link proxies"
        self.system = "launcher+links" if link_faults else "launcher"  # the runner's log lines
        args = [launcher_bin, "--nodes", str(nodes), "--base-port", "auto", "--backplane", mode,
                "--redis-url", redis.url, "--json"] + (["--link-faults"] if link_faults else [])
        env = dict(os.environ, FARMCHAT_NODE_BIN=node_bin, FARMCHAT_REDIS_PASSWORD=redis.password)
        env.pop("FARMCHAT_ADMIN_TOKEN", None)
        self.proc = farms.spawn(args, farms.FARM_CORE, env=env)
        try:
            ready = self._wait_ready()
            self.ports = [n["port"] for n in ready["nodes"]]
            self.node_pids = [n["pid"] for n in ready["nodes"]]
            farms.drain_stdout(self.proc)  # node log lines keep coming as events
        except Exception:
            self.close()
            raise

    def _wait_ready(self):
        deadline = time.monotonic() + self.start_timeout
        seen = collections.deque(maxlen=6)
        while True:
            try:
                line = farms.read_line(self.proc, deadline, f"farmchat-launcher ({self.label})")
            except RuntimeError as e:
                raise RuntimeError(f"{e}; its last events: {' | '.join(seen) or 'none'}") from None
            seen.append(line[:300])
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "ready":
                return event
            if event.get("event") == "error":
                raise RuntimeError(f"farmchat-launcher ({self.label}): {event.get('message', line)}")

    def urls(self):
        return [f"http://127.0.0.1:{p}{self.path}" for p in self.ports]

    def pids(self):
        return [self.proc.pid] + self.node_pids

    def check_alive(self):
        """Raises when the launcher or one of its nodes has exited."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"farmchat-launcher ({self.label}) exited with status {self.proc.returncode} "
                               f"under load: {farms.tail(self.proc)}")
        for port, pid in zip(self.ports, self.node_pids):
            if not os.path.exists(f"/proc/{pid}"):
                raise RuntimeError(f"farmchat node on port {port} ({self.label}) exited under load: "
                                   f"{farms.tail(self.proc)}")

    def close(self):
        farms.stop(self.proc, 10)


def _measure(bench, m, side, start, factor):
    """On a fresh launcher farm: latency and CPU at the fixed rate, then the
    ramp. A failure is an incident, its repetition left out of the medians.
    Each farm runs alone (both use the launcher's channel prefix on the same
    Redis, so two at once would hear each other)."""
    farm, clients = None, NODES * PER_NODE
    try:
        farm = LauncherFarm(bench.launcher, bench.node, NODES, MODE, bench.redis, side == "with")
        bench.quiet({side: farm})
        fixed = bench.fixed(farm, clients, bench.p["fixed"])
        bench.quiet({side: farm})
        best = bench.ramp(farm, clients, start, factor, bench.p["link_precision"], P99_LIMIT_MS)
        m["links"]["fixed"].setdefault(side, []).append(fixed)
        m["links"]["max"].setdefault(side, []).append(best)
    except RuntimeError as e:
        _log(f"  INCIDENT farmchat-launcher {side} link proxies: {e}")
        m["incidents"].append({"system": f"farmchat-launcher {side} link proxies", "nodes": NODES,
                               "mode": MODE, "error": str(e)[:2000]})
    finally:
        if farm:
            farm.close()


def run(bench, m):
    """Fills m["links"]: for "with" and "without", one max and one fixed-rate
    result per repetition; the side measured first alternates, as for the
    other pairs."""
    p = bench.p
    _log(f"link proxy overhead: farmchat-launcher with and without --link-faults "
         f"({NODES}x{PER_NODE}, {MODE}, {p['link_reps']} repetition(s))")
    m["links"] = {"max": {}, "fixed": {}}
    for rep in range(p["link_reps"]):
        for side in bench.rotation(list(SIDES), rep):
            prior = m["links"]["max"].get(side, [])
            start, factor = (p["start"], p["factor"]) if not prior else (0.6 * statistics.median(prior), 1.4)
            _measure(bench, m, side, start, factor)


def _row(figure, unit, runs):
    """runs: {side: [one value per repetition]} -> medians, with ÷ without."""
    med = {side: statistics.median(v) if v else None for side, v in runs.items()}
    ratio = med["with"] / med["without"] if med["with"] is not None and med["without"] else None
    return {"figure": figure, "unit": unit, "without": med["without"], "with": med["with"], "ratio": ratio,
            "runs": runs}


def rows(m, fixed_label):
    """The results rows: medians, with ÷ without, and every repetition."""
    links = m.get("links") or {"max": {}, "fixed": {}}
    label = f"{MODE} ({NODES} nodes x {PER_NODE} clients)"
    fixed = {side: links["fixed"].get(side, []) for side in SIDES}
    out = [_row(f"max sustainable deliveries/s (ramp steps pass at p99 <= {P99_LIMIT_MS} ms), {label}",
                "deliveries/s",
                {side: list(links["max"].get(side, [])) for side in SIDES})]
    for key, name, unit in (("p50_ms", "latency p50", "ms"), ("p99_ms", "latency p99", "ms"),
                            ("cpu_us_per_delivery", "CPU per delivery (nodes, launcher, Redis)", "us")):
        out.append(_row(f"{name} at {fixed_label}, {label}", unit,
                        {side: [r[key] for r in fixed[side]] for side in SIDES}))
    return out


def lossless(bench):
    """`bench/run --check` item: a tiny load through a --link-faults farm
    loses and duplicates nothing."""
    r = farms.tiny_run(bench, LauncherFarm(bench.launcher, bench.node, NODES, MODE, bench.redis, True))
    return farms.is_lossless(r), json.dumps(r)
