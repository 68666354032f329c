"""Processes the benchmark starts: a private Redis, the FarmChat farm, the
ASP.NET Core farm, the Bun farm, the Socket.IO reference farm, the loopback
fan-out server and the load generator.

Every child is pinned to a core (the farm to core 0, the load generator to
core 1, like `taskset -c`), inherits the raised open-file limit, and dies with
the runner (PR_SET_PDEATHSIG), so a killed run leaves nothing behind.
"""
import collections
import ctypes
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

FARM_CORE = 0
LOADGEN_CORE = 1
RAW_LOG = None  # when set, every load generator result is appended here (JSON lines)
_children = []


def _preexec(core):
    def run():
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if core is not None and os.cpu_count() and os.cpu_count() > core:
            os.sched_setaffinity(0, {core})
    return run


def _drain(stream, lines):
    for line in stream:
        lines.append(line.rstrip("\n"))


def spawn(args, core, env=None, stdin=None):
    """Starts a child pinned to `core`, stdout piped for line reading. Its
    stderr is drained by a thread (a full pipe would stall the child) and the
    last lines kept in proc.errors for error messages."""
    proc = subprocess.Popen(args, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            preexec_fn=_preexec(core), text=True, bufsize=1)
    if stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    proc.errors = collections.deque(maxlen=200)
    threading.Thread(target=_drain, args=(proc.stderr, proc.errors), daemon=True).start()
    _children.append(proc)
    return proc


def drain_stdout(proc):
    """After the runner has read what it needs: keep the child's stdout flowing."""
    threading.Thread(target=_drain, args=(proc.stdout, proc.errors), daemon=True).start()


def tail(proc, n=10):
    return " | ".join(list(proc.errors)[-n:])


def stop(proc, grace=5.0):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    if proc in _children:
        _children.remove(proc)


def stop_all():
    for proc in list(_children):
        stop(proc, 3.0)


def read_line(proc, deadline, what):
    """Next stdout line of proc before `deadline` (time.monotonic()). Reads
    the pipe's bytes itself: select() on the text file would miss lines its
    buffer already holds (two lines in one read: the second waited for the
    deadline although it had arrived)."""
    pending = proc.__dict__.setdefault("_stdout_pending", bytearray())
    fd = proc.stdout.fileno()
    while True:
        end = pending.find(b"\n")
        if end >= 0:
            line = bytes(pending[:end])
            del pending[:end + 1]
            return line.decode("utf-8", errors="replace").rstrip("\r")
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"{what}: no output within the time limit")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                status = proc.wait()
                time.sleep(0.05)  # let the stderr thread catch the last lines
                raise RuntimeError(f"{what} exited (status {status}): {tail(proc)}")
            pending += chunk


def wait_listening(proc, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        line = read_line(proc, deadline, what)
        if line.startswith("listening "):
            url = line.split(" ", 1)[1].strip()
            return int(url.rsplit(":", 1)[1].split("/")[0])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(port, path="/health", timeout=2.0):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


def cpu_seconds(pid):
    """utime + stime of a process from /proc/<pid>/stat, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Redis:
    """A private redis-server on a free loopback port; config through stdin,
    a random password unless `password=False` (redis-benchmark's instance,
    since redis-benchmark only takes a password on its command line) or a
    given one (a cluster's servers share one); `extra` config lines after."""

    def __init__(self, password=True, extra=""):
        self.port = free_port()
        if isinstance(password, str):
            self.password = password
        else:
            self.password = secrets.token_hex(24) if password else ""
        self.dir = tempfile.mkdtemp(prefix="farmchat-bench-redis-")
        conf = (f"port {self.port}\nbind 127.0.0.1\nprotected-mode yes\nsave \"\"\n"
                f"appendonly no\ndir {self.dir}\ndaemonize no\nloglevel warning\n")
        if self.password:
            conf += f"requirepass {self.password}\n"
        conf += extra
        self.proc = spawn([shutil.which("redis-server") or "redis-server", "-"], FARM_CORE, stdin=conf)
        deadline = time.monotonic() + 10
        while not self._ping():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start: " + tail(self.proc))
            time.sleep(0.002)

    def _ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                if self.password:
                    s.sendall(b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n" % (len(self.password), self.password.encode()))
                    if not s.recv(64).startswith(b"+OK"):
                        return False
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def close(self):
        stop(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


class Farm:
    """N chat nodes of one system on free ports, all on the farm core."""

    system = ""
    protocol = ""
    path = ""
    modes = ("off", "pubsub", "streams")
    start_timeout = 20.0  # seconds until every node listens and answers /health

    def __init__(self, nodes, mode, redis):
        if mode not in self.modes:
            raise ValueError(f"{self.system} has no {mode} mode")
        self.nodes, self.mode, self.redis = nodes, mode, redis
        self.procs, self.ports = [], []
        try:
            for i in range(nodes):
                proc = spawn(self.command(i), FARM_CORE, env=self.environment())
                self.procs.append(proc)
            for i, proc in enumerate(self.procs):
                self.ports.append(wait_listening(proc, f"{self.system} node {i}", self.start_timeout))
                drain_stdout(proc)
            deadline = time.monotonic() + self.start_timeout
            for port in self.ports:
                while not http_ok(port):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{self.system} node on port {port} never became healthy")
                    time.sleep(0.01)
        except Exception:
            self.close()
            raise

    def urls(self):
        return [f"http://127.0.0.1:{p}{self.path}" for p in self.ports]

    def pids(self):
        return [p.pid for p in self.procs]

    def check_alive(self):
        """Raises when a node has died: its last output says why."""
        for i, proc in enumerate(self.procs):
            if proc.poll() is not None:
                raise RuntimeError(f"{self.system} node {i} (port {self.ports[i]}) exited with status "
                                   f"{proc.returncode} under load: {tail(proc)}")

    def close(self):
        for proc in self.procs:
            stop(proc)


class FarmChatFarm(Farm):
    system = "farmchat"
    protocol = "signalr"
    path = "/chat"

    def __init__(self, node_bin, nodes, mode, redis, extra=()):
        self.node_bin, self.extra = node_bin, list(extra)  # more farmchat-node flags
        super().__init__(nodes, mode, redis)

    def command(self, i):
        args = [self.node_bin, "--port", "0", "--node-id", f"bench-{i}", "--backplane", self.mode]
        if self.mode != "off":
            args += ["--redis", self.redis.url, "--channel-prefix", "benchfc"]
        return args + self.extra

    def environment(self):
        env = dict(os.environ, FARMCHAT_REDIS_PASSWORD=self.redis.password)
        env.pop("FARMCHAT_ADMIN_TOKEN", None)
        return env


class AspNetCoreFarm(Farm):
    """ASP.NET Core SignalR nodes (peers/aspnetcore, Release) with the
    StackExchange.Redis backplane: Microsoft's defaults, FarmChat's hub at
    /chat, so the load generator drives it exactly as it drives FarmChat."""

    system = "aspnetcore"
    protocol = "signalr"
    path = "/chat"
    modes = ("off", "pubsub")  # AddStackExchangeRedis is Redis pub/sub: no streams backplane
    start_timeout = 60.0  # several .NET starts share the farm core

    def __init__(self, node_bin, nodes, mode, redis):
        self.node_bin = node_bin
        super().__init__(nodes, mode, redis)

    def command(self, i):
        args = [self.node_bin, "--port", "0", "--node-id", f"asp-{i}", "--backplane", self.mode]
        if self.mode != "off":
            args += ["--redis", self.redis.url, "--channel-prefix", "benchasp"]
        return args

    def environment(self):
        return dict(os.environ, FARMCHAT_REDIS_PASSWORD=self.redis.password if self.redis else "")


ASPNETCORE_NODE = "farmchat-aspnetcore-node"
ASPNETCORE_HOWTO = ("it is built with the .NET SDK 10 (apt-get install dotnet-sdk-10.0 from Microsoft's "
                    "package feed, then scripts/build-dotnet.sh; scripts/build.sh runs it when dotnet is "
                    "on PATH): docs/ASPNETCORE.md, \"Build and run\"")


def find_aspnetcore_node(build_dir):
    """(path, None) or (None, why): FARMCHAT_ASPNETCORE_NODE_BIN, else where
    scripts/build-dotnet.sh publishes it in the build tree."""
    path = os.environ.get("FARMCHAT_ASPNETCORE_NODE_BIN")
    if path:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path), None
        return None, f"FARMCHAT_ASPNETCORE_NODE_BIN={path} is not an executable file"
    path = os.path.join(build_dir, "peers", "aspnetcore", ASPNETCORE_NODE)
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return os.path.abspath(path), None
    return None, f"{ASPNETCORE_NODE} is not built ({os.path.normpath(path)} is missing): {ASPNETCORE_HOWTO}"


class BunFarm(Farm):
    """Bun nodes (bench/bun/server.js on the pinned npm `bun`): FarmChat's hub
    contract at /chat over Bun.serve's uWebSockets pub/sub, Bun's built-in
    Redis client for pub/sub between nodes; driven exactly as FarmChat."""

    system = "bun"
    protocol = "signalr"
    path = "/chat"
    modes = ("off", "pubsub")  # a minimal node: Redis pub/sub only, no streams backplane

    def __init__(self, bun_bin, bun_dir, nodes, mode, redis):
        self.bun_bin = bun_bin
        self.script = os.path.join(bun_dir, "server.js")
        super().__init__(nodes, mode, redis)

    def command(self, i):
        args = [self.bun_bin, self.script, "--port", "0", "--node-id", f"bun-{i}", "--backplane", self.mode]
        if self.mode != "off":
            args += ["--channel-prefix", "benchbun"]
        return args

    def environment(self):
        env = dict(os.environ, DO_NOT_TRACK="1")  # Bun then uploads no crash report
        env.pop("REDIS_URL", None)
        env.pop("REDIS_PASSWORD", None)
        if self.mode != "off":
            env.update(REDIS_URL=self.redis.url, REDIS_PASSWORD=self.redis.password)
        return env


BUN_HOWTO = "scripts/install-deps.sh --bench (or --test) runs npm ci in bench/bun"


def _bun_pin(bun_dir):
    with open(os.path.join(bun_dir, "package.json")) as f:
        return json.load(f)["dependencies"]["bun"]


def _bun_version_problem(path, want):
    """None when `path --version` prints `want`, else what is wrong."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{path} does not run ({e})"
    if out.returncode == 0 and out.stdout.strip() == want:
        return None
    said = next((line for line in (out.stdout + out.stderr).splitlines() if line.strip()), "nothing")
    return f"{path} --version says {said[:200]!r} (status {out.returncode}), not the pinned {want}"


def find_bun(bun_dir):
    """(path, None) or (None, why): FARMCHAT_BUN_BIN, else the binary the npm
    package `bun` installs in bench/bun/node_modules (its postinstall moves
    the platform package's build to bun/bin/bun.exe, which .bin/bun links
    to; without the postinstall, the platform package still has it), the
    first that runs and is the version package.json pins."""
    want = _bun_pin(bun_dir)
    path = os.environ.get("FARMCHAT_BUN_BIN")
    if path:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return None, f"FARMCHAT_BUN_BIN={path} is not an executable file"
        problem = _bun_version_problem(path, want)
        return (None, f"FARMCHAT_BUN_BIN: {problem}") if problem else (os.path.abspath(path), None)
    modules = os.path.join(bun_dir, "node_modules")
    machine = os.uname().machine
    platform = f"bun-{sys.platform}-{ {'x86_64': 'x64', 'arm64': 'aarch64'}.get(machine, machine)}"
    candidates = [os.path.join(modules, ".bin", "bun"), os.path.join(modules, "bun", "bin", "bun.exe"),
                  os.path.join(modules, "@oven", platform, "bin", "bun")]
    present = [c for c in candidates if os.path.isfile(c) and os.access(c, os.X_OK)]
    if not present:
        return None, f"Bun is not installed ({os.path.normpath(candidates[0])} is missing): {BUN_HOWTO}"
    problems = []
    for path in present:
        problem = _bun_version_problem(path, want)
        if not problem:
            return os.path.abspath(path), None
        problems.append(problem)
    return None, f"{'; '.join(problems)}: {BUN_HOWTO}"


class ReferenceFarm(Farm):
    system = "reference"
    protocol = "socketio"
    path = "/socket.io/"

    def __init__(self, reference_dir, nodes, mode, redis):
        self.script = os.path.join(reference_dir, "server.js")
        super().__init__(nodes, mode, redis)

    def command(self, i):
        return [shutil.which("node") or "node", self.script, "--port", "0",
                "--node-id", f"ref-{i}", "--adapter", self.mode]

    def environment(self):
        env = dict(os.environ, NODE_ENV="production")
        if self.mode != "off":
            env.update(REDIS_URL=self.redis.url, REDIS_PASSWORD=self.redis.password)
        return env


def run_loadgen(loadgen, args, on_event=None, timeout=600):
    """Runs farmchat-loadgen on the load core; returns its final JSON object.
    Event lines ({"event": ...}) go to on_event as they arrive."""
    proc = spawn([loadgen] + args, LOADGEN_CORE)
    deadline = time.monotonic() + timeout
    result = None
    try:
        while True:
            try:
                line = read_line(proc, deadline, "farmchat-loadgen")
            except RuntimeError:
                if proc.poll() is not None and result is not None:
                    break
                raise
            obj = json.loads(line)
            if "event" in obj:
                if on_event:
                    on_event(obj, proc)
            else:
                result = obj
    finally:
        stop(proc)
    if result is None:
        raise RuntimeError("farmchat-loadgen printed no result")
    if RAW_LOG:
        with open(RAW_LOG, "a") as f:
            f.write(json.dumps({"args": args, "result": result}) + "\n")
    return result


def tiny_run(bench, farm, clients=20, extra=()):
    """`--check`'s tiny load through `farm` (2,000 messages/s for 1 s, 5 s to
    drain), which is closed afterwards: the load generator's result, with its
    first error when there was one. Fails when a node died meanwhile."""
    try:
        out = run_loadgen(bench.loadgen, ["run"] + bench.target_args(farm, clients) + [
            "--rate", "2000", "--duration", "1", "--warmup", "0", "--drain", "5", *extra])
        farm.check_alive()
    finally:
        farm.close()
    r = out["result"]
    if out.get("firstError"):
        r["firstError"] = out["firstError"]
    return r


def is_lossless(r):
    """Every message delivered exactly once, where it was expected, with no client error."""
    return r["delivered"] > 0 and r["lost"] == 0 and r["duplicated"] == 0 and r["unexpected"] == 0 \
        and r["errors"] == 0
