"""FarmChat on a Redis Cluster: many rooms (50 rooms of 4 clients over 2
nodes, each room with clients on both nodes) on a private 3-shard cluster.

Five sides, each on a fresh farm, the side measured first rotating over the
repetitions:
  farmchat single   farmchat-node --backplane pubsub on the bench's one Redis
  farmchat cluster  farmchat-node --redis-cluster (SPUBLISH / SSUBSCRIBE per
                    room's shard) on the cluster
  socket.io cluster the Socket.IO reference server with @socket.io/redis-adapter's
                    sharded adapter (createShardedAdapter, one channel per room)
                    on the same cluster
  farmchat single streams   farmchat-node --backplane streams on the one Redis
  farmchat cluster streams  --backplane streams --redis-cluster: each room's
                    stream on its shard, one reader per shard
Each gets max deliveries/s (the ramp), then latency and CPU (its nodes and its
Redis servers) at a fixed rate. Reported as FarmChat's cluster ÷ single Redis
(pub/sub and streams) and FarmChat ÷ Socket.IO on the same cluster
(docs/BENCHMARK.md, "Redis Cluster").
"""
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time

import farms

NODES, PER_NODE, ROOMS = 2, 100, 50
SHARDS = 3
SIDES = ("farmchat single", "farmchat cluster", "socket.io cluster", "farmchat single streams",
         "farmchat cluster streams")
CLUSTER_SIDES = ("farmchat cluster", "socket.io cluster", "farmchat cluster streams")
FIXED_RATE = 10000  # deliveries/s: 2,500 messages/s of 4 deliveries each, below every side's max


def _log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _cluster_ok(port, password, timeout=2.0):
    """Whether the Redis at `port` says cluster_state:ok (CLUSTER INFO's first line)."""
    def encode(*parts):
        return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(encode(b"AUTH", password.encode()) + encode(b"CLUSTER", b"INFO"))
            data = b""
            while b"cluster_state:" not in data or not data.split(b"cluster_state:", 1)[1].count(b"\r\n"):
                chunk = s.recv(65536)
                if not chunk:
                    return False
                data += chunk
            return b"cluster_state:ok\r\n" in data
    except OSError:
        return False


class RedisCluster:
    """A private Redis Cluster of SHARDS primaries (no replicas) on free
    loopback ports, one password (never on argv: redis-cli reads it from
    REDISCLI_AUTH), made with `redis-cli --cluster create`."""

    def __init__(self, shards=SHARDS):
        self.password = secrets.token_hex(24)
        self.servers = []
        try:
            for _ in range(shards):
                # cluster-config-file is relative to the server's own dir.
                self.servers.append(farms.Redis(self.password, (
                    f"masterauth {self.password}\ncluster-enabled yes\n"
                    f"cluster-config-file nodes.conf\ncluster-port {farms.free_port()}\n"
                    "cluster-node-timeout 5000\ncluster-require-full-coverage no\n")))
            self._create()
            self._wait_ok()
        except Exception:
            self.close()
            raise

    def _create(self):
        cli = shutil.which("redis-cli")
        if not cli:
            raise RuntimeError("redis-cli not found (apt-get install redis-tools)")
        env = dict(os.environ, REDISCLI_AUTH=self.password)
        done = subprocess.run([cli, "--cluster", "create", *self.seeds(), "--cluster-yes"], env=env,
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {(done.stdout + done.stderr)[-600:]}")

    def _wait_ok(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        while not all(_cluster_ok(s.port, self.password) for s in self.servers):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster was not ok within {timeout:.0f} s")
            time.sleep(0.05)

    def seeds(self):
        return [f"127.0.0.1:{s.port}" for s in self.servers]

    def pids(self):
        return [s.proc.pid for s in self.servers]

    def close(self):
        for s in self.servers:
            s.close()


class FarmChatClusterFarm(farms.FarmChatFarm):
    """FarmChat nodes on a Redis Cluster (--redis-cluster): sharded pub/sub, or
    streams per shard."""

    def command(self, i):
        return [self.node_bin, "--port", "0", "--node-id", f"bench-{i}", "--backplane", self.mode,
                "--redis-cluster", ",".join(self.redis.seeds()), "--channel-prefix", "benchfc"]


class ReferenceShardedFarm(farms.ReferenceFarm):
    """Socket.IO reference nodes with the sharded Redis adapter on the cluster."""

    def command(self, i):
        return [shutil.which("node") or "node", self.script, "--port", "0",
                "--node-id", f"ref-{i}", "--adapter", "sharded"]

    def environment(self):
        return dict(os.environ, NODE_ENV="production", REDIS_CLUSTER=",".join(self.redis.seeds()),
                    REDIS_PASSWORD=self.redis.password)


def make_farm(bench, side, cluster, nodes=NODES):
    mode = "streams" if side.endswith("streams") else "pubsub"
    if side.startswith("farmchat single"):
        farm = farms.FarmChatFarm(bench.node, nodes, mode, bench.redis)
        farm.redis_pids = lambda: [bench.redis.proc.pid]
    elif side.startswith("farmchat cluster"):
        farm = FarmChatClusterFarm(bench.node, nodes, mode, cluster)
        farm.redis_pids = cluster.pids
    else:
        farm = ReferenceShardedFarm(bench.reference_dir, nodes, "pubsub", cluster)
        farm.redis_pids = cluster.pids
    farm.rooms = ROOMS
    farm.system = side
    return farm


def _measure(bench, m, side, cluster, start, factor):
    farm, clients = None, NODES * PER_NODE
    try:
        farm = make_farm(bench, side, cluster)
        bench.quiet({side: farm})
        best = bench.ramp(farm, clients, start, factor)
        bench.quiet({side: farm})
        fixed = bench.fixed(farm, clients, bench.p["fixed"], FIXED_RATE)
        m["cluster"]["max"].setdefault(side, []).append(best)
        m["cluster"]["fixed"].setdefault(side, []).append(fixed)
    except RuntimeError as e:
        _log(f"  INCIDENT {side}: {e}")
        m["incidents"].append({"system": side, "nodes": NODES, "mode": f"{ROOMS} rooms",
                               "error": str(e)[:2000]})
    finally:
        if farm:
            farm.close()


def run(bench, m):
    """Fills m["cluster"]: per side, one max and one fixed-rate result per repetition."""
    p = bench.p
    _log(f"Redis Cluster: {ROOMS} rooms over {NODES}x{PER_NODE} clients, {SHARDS} shards, "
         f"{p['cluster_reps']} repetition(s)")
    m["cluster"] = {"max": {}, "fixed": {}}
    cluster = RedisCluster()
    try:
        for rep in range(p["cluster_reps"]):
            for side in bench.rotation(list(SIDES), rep):
                prior = m["cluster"]["max"].get(side, [])
                start, factor = (p["start"] / 5, p["factor"]) if not prior else (0.6 * statistics.median(prior), 1.4)
                _measure(bench, m, side, cluster, start, factor)
    finally:
        cluster.close()


def _ratio(a, b):
    return a / b if a is not None and b else None


def rows(m):
    """Medians per side, and FarmChat's two ratios."""
    data = m.get("cluster") or {"max": {}, "fixed": {}}
    label = f"{ROOMS} rooms of {NODES * PER_NODE // ROOMS} clients over {NODES} nodes"
    out = []
    figures = [("max sustainable deliveries/s (p99 <= 50 ms)", "deliveries/s",
                {s: list(data["max"].get(s, [])) for s in SIDES})]
    for key, name, unit in (("p50_ms", "latency p50", "ms"), ("p99_ms", "latency p99", "ms"),
                            ("cpu_us_per_delivery", "CPU per delivery (nodes and Redis)", "us")):
        figures.append((f"{name} at {FIXED_RATE:,} deliveries/s", unit,
                        {s: [r[key] for r in data["fixed"].get(s, [])] for s in SIDES}))
    for figure, unit, runs in figures:
        med = {s: statistics.median(v) if v else None for s, v in runs.items()}
        out.append({"figure": f"{figure}, {label}", "unit": unit, "values": med, "runs": runs,
                    "cluster_vs_single": _ratio(med["farmchat cluster"], med["farmchat single"]),
                    "streams_cluster_vs_single": _ratio(med["farmchat cluster streams"],
                                                        med["farmchat single streams"]),
                    "farmchat_vs_socketio": _ratio(med["farmchat cluster"], med["socket.io cluster"])})
    return out


def lossless(bench):
    """`bench/run --check` item: on a 3-shard cluster, FarmChat's sharded
    pub/sub and its streams per shard lose and duplicate nothing over 10 rooms
    at a low rate, and the Socket.IO sharded adapter delivers."""
    cluster, details, ok = RedisCluster(), [], True
    try:
        for side in CLUSTER_SIDES:
            farm = make_farm(bench, side, cluster)
            farm.rooms = 10
            r = farms.tiny_run(bench, farm, 40)
            good = farms.is_lossless(r) if side.startswith("farmchat") else \
                r["delivered"] > 0 and r["errors"] == 0 and r["unexpected"] == 0
            ok = ok and good
            details.append(f"{side}: delivered {r['delivered']} of {r['expected']}, lost {r['lost']}, "
                           f"unexpected {r['unexpected']}, errors {r['errors']}")
    finally:
        cluster.close()
    return ok, "; ".join(details)
