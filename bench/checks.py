"""`bench/run --check`: a tiny load through every tool the benchmark uses, so
ctest (bench_check) sees them work end to end. FarmChat (its nodes, and the
launcher's farm behind its link proxies) and the Bun farm must lose nothing at
a low rate; the other systems must deliver; no timing is
asserted. Each item runs on its own, so one failure still reports the others.
"""
import json

import cluster
import farms
import linkoverhead
import scaling


def _tiny_run(bench, system, mode, extra=()):
    return farms.tiny_run(bench, bench.farm(system, 2, mode), extra=extra)


def _lossless(bench, system, mode, extra=()):
    r = _tiny_run(bench, system, mode, extra)
    return farms.is_lossless(r), json.dumps(r)


def _delivers(bench, system, modes):
    """Every mode of `system` delivers with no client error. Loss is reported,
    not judged: ASP.NET Core's backplane and Socket.IO's adapter promise at
    most once, and this check is about the tools, not about them."""
    details, ok = [], True
    for mode in modes:
        r = _tiny_run(bench, system, mode)
        ok = ok and r["delivered"] > 0 and r["errors"] == 0
        details.append(f"{mode}: {json.dumps(r)}")
    return ok, "; ".join(details)


def _fanout_works(bench):
    proc = farms.spawn([bench.loadgen, "serve", "--port", "0"], farms.FARM_CORE)
    try:
        port = farms.wait_listening(proc, "fan-out server")
        out = farms.run_loadgen(bench.loadgen, [
            "run", "--protocol", "raw", "--url", f"ws://127.0.0.1:{port}/", "--clients", "20",
            "--rate", "2000", "--duration", "1", "--warmup", "0"])
    finally:
        farms.stop(proc)
    return out["result"]["delivered"] > 0 and out["result"]["lost"] == 0, ""


def _launcher_works(bench):
    seconds = bench.cold_start_farmchat()
    return seconds > 0, f"({seconds:.2f} s)"


def _publish_works(bench):
    return bench.redis_publish(2000) > 0, ""


def check(bench):
    failures, passed, skipped = [], 0, 0

    def item(name, fn):
        nonlocal passed
        try:
            ok, detail = fn()
        except Exception as e:  # a tool that fails to start is a failed item, not a crash
            ok, detail = False, f"{type(e).__name__}: {e}"
        print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}", flush=True)
        if ok:
            passed += 1
        else:
            failures.append(name)

    bench.redis = farms.Redis()
    try:
        for mode in farms.FarmChatFarm.modes:
            item(f"farmchat {mode}: every message delivered exactly once",
                 lambda: _lossless(bench, "farmchat", mode))
        if bench.bun:
            # The benchmark skips negotiate (as for every SignalR farm); one item takes it.
            item("bun off: every message delivered exactly once", lambda: _lossless(bench, "bun", "off"))
            item("bun pubsub, with negotiate: every message delivered exactly once",
                 lambda: _lossless(bench, "bun", "pubsub", ["--negotiate"]))
        else:
            skipped += 1
            print(f"skip bun works: {bench.bun_missing}", flush=True)
        if bench.aspnetcore_node:
            item("aspnetcore works: off and pubsub deliver, no client error",
                 lambda: _delivers(bench, "aspnetcore", farms.AspNetCoreFarm.modes))
        else:
            skipped += 1
            print(f"skip aspnetcore works: {bench.aspnetcore_missing}", flush=True)
        item("reference pubsub: deliveries measured", lambda: _delivers(bench, "reference", ["pubsub"]))
        item("farmchat-launcher --link-faults pubsub: every message delivered exactly once",
             lambda: linkoverhead.lossless(bench))
        item("Redis Cluster, 10 rooms: farmchat sharded pub/sub and streams per shard deliver every "
             "message exactly once, the Socket.IO sharded adapter delivers",
             lambda: cluster.lossless(bench))
        item("farmchat, 210 clients in 20 rooms, 10 senders, 2 source addresses: every message "
             "delivered exactly once, in its room only", lambda: scaling.lossless(bench))
    finally:
        bench.redis.close()
    item("loopback fan-out: deliveries measured", lambda: _fanout_works(bench))
    item("farmchat-launcher: Redis + 4 nodes ready", lambda: _launcher_works(bench))
    item("redis-benchmark: PUBLISH rate measured", lambda: _publish_works(bench))
    print(f"{passed} passed, {len(failures)} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failures else 0
