#!/usr/bin/env python3
"""What PEXPIRE on every XADD costs Redis (docs/BACKPLANE.md, "Measured").

  bench/expirecost.py

Starts a private redis-server on a free loopback port, pipes 100,000 XADDs
over 1,000 room streams through `redis-cli --pipe`, with and without a
PEXPIRE after each (as the streams backplane sends them), alternating five
times, and prints Redis' own CPU time per message (INFO cpu), which a busy
machine disturbs far less than wall time.
"""
import shutil, socket, subprocess, tempfile, time
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
port = free_port()
d = tempfile.mkdtemp()
redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", d], stdout=subprocess.DEVNULL)
time.sleep(0.5)
def cli(*a): return subprocess.run(["redis-cli", "-p", str(port)] + list(a), capture_output=True, text=True).stdout
def cpu():
    v = 0.0
    for l in cli("INFO", "cpu").splitlines():
        if l.startswith(("used_cpu_user:", "used_cpu_sys:")): v += float(l.split(":")[1])
    return v
def enc(*args): return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in args)
N = 100000
msg = b'{"id":"node-1:abc:1","room":"room-x","from":"user-1","text":"' + b"x" * 64 + b'","node":"node-1","sentAt":1764672000000,"via":"local"}'
data = {}
for ttl in (False, True):
    buf = bytearray()
    for i in range(N):
        key = b"farmchat:stream:room-%d" % (i % 1000)
        buf += enc(b"XADD", key, b"MAXLEN", b"~", b"1000", b"*", b"message", msg, b"uid", b"node-1:abc:%d" % i)
        if ttl: buf += enc(b"PEXPIRE", key, b"86400000")
    data[ttl] = bytes(buf)
res = {False: [], True: []}
for rep in range(5):
    for ttl in ((False, True) if rep % 2 == 0 else (True, False)):
        cli("FLUSHALL")
        c0 = cpu(); t0 = time.perf_counter()
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=data[ttl], capture_output=True)
        t1 = time.perf_counter(); c1 = cpu()
        res[ttl].append((t1 - t0, c1 - c0))
        print(f"ttl={ttl} rep={rep} wall={t1-t0:.3f}s redis_cpu={c1-c0:.3f}s -> {N/(t1-t0):.0f} msg/s", flush=True)
import statistics as st
for ttl in (False, True):
    w = st.median(x[0] for x in res[ttl]); c = st.median(x[1] for x in res[ttl])
    print(f"median ttl={ttl}: wall {w:.3f}s ({N/w:.0f} msg/s), redis cpu {c:.3f}s ({c/N*1e6:.2f} us/msg)")
redis.terminate(); redis.wait()
shutil.rmtree(d, ignore_errors=True)
