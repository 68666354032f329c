// Fixtures for the end-to-end tests: real farmchat-node processes on free
// loopback ports, official @microsoft/signalr clients, Debian's Chromium.
// A Farm owns everything a test starts and stops it in close(), which tests
// call from finally/after; an 'exit' handler kills any node still running,
// so nothing outlives a failing or interrupted test run.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

async function importOrExplain(name) {
  try {
    return await import(name);
  } catch (e) {
    throw new Error(`npm package ${name} is missing (${e.code || e.message}): ` +
      'run scripts/install-deps.sh --test, or npm ci in tests/e2e');
  }
}

export const signalR = await importOrExplain('@microsoft/signalr');
const { chromium } = await importOrExplain('playwright-core');

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => process.exit(128 + os.constants.signals[signal]));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls until check() returns something truthy; throws naming what it waited for.
export async function waitFor(check, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export function nodeBinary() {
  const bin = process.env.FARMCHAT_NODE_BIN;
  if (!bin) throw new Error('FARMCHAT_NODE_BIN is not set: run the end-to-end tests through ctest');
  if (!fs.existsSync(bin)) throw new Error(`FARMCHAT_NODE_BIN=${bin} does not exist: build farmchat-node first`);
  return bin;
}

// The ASP.NET Core reference node (peers/aspnetcore), built when the .NET SDK is present.
export function aspNetCoreBinary() {
  const bin = process.env.FARMCHAT_ASPNETCORE_NODE_BIN;
  if (!bin) throw new Error('FARMCHAT_ASPNETCORE_NODE_BIN is not set: configure with the .NET SDK on PATH and run through ctest');
  if (!fs.existsSync(bin)) throw new Error(`FARMCHAT_ASPNETCORE_NODE_BIN=${bin} does not exist: build it (scripts/build-dotnet.sh)`);
  return bin;
}

export function chromiumBinary() {
  const bin = process.env.FARMCHAT_CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(bin)) {
    throw new Error(`Chromium not found at ${bin}: install Debian's chromium package (scripts/install-deps.sh --test)`);
  }
  return bin;
}

// A running node: farmchat-node or the ASP.NET Core node, which share flags and the ready line.
export class ChatNode {
  constructor(child, args) {
    this.child = child;
    this.args = args;
    this.log = [];
    this.port = 0;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }));
  }

  get url() { return `http://127.0.0.1:${this.port}`; }
  get output() { return this.log.join('\n'); }

  // SIGTERM, as a user's Ctrl-C or a launcher would; SIGKILL if it hangs.
  async stop(timeoutMs = 5000) {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

export async function startNode({ port = 0, nodeId, args = [], env = {}, timeoutMs = 10000, binary = nodeBinary() } = {}) {
  const argv = ['--port', String(port), '--bind', '127.0.0.1', ...(nodeId ? ['--node-id', nodeId] : []), ...args];
  const child = spawn(binary, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const node = new ChatNode(child, argv);
  const listening = new Promise((resolve) => {
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        node.log.push(line);
        const m = /listening http:\/\/([^\s:]+|\[[^\]]+\]):(\d+)/.exec(line);
        if (m && stream === child.stdout) resolve(Number(m[2]));
      });
    }
  });
  const failed = new Promise((resolve) => child.once('error', (e) => resolve(`cannot start: ${e.message}`)));
  const exited = node.exited.then(({ code, signal }) => `exited (code ${code}, signal ${signal}) before listening`);
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve(`printed no listening line within ${timeoutMs} ms`), timeoutMs);
  });
  const outcome = await Promise.race([listening, failed, exited, timedOut]);
  clearTimeout(timer);
  if (typeof outcome !== 'number') {
    child.kill('SIGKILL');
    await sleep(50);
    throw new Error(`${path.basename(binary)} ${argv.join(' ')} ${outcome}; output:\n${node.output}`);
  }
  node.port = outcome;
  return node;
}

// A private redis-server: loopback only, a random password, no persistence.
// The config (password included) goes in on stdin, never on the command line.
export class RedisServer {
  constructor(child, port, password) {
    this.child = child;
    this.port = port;
    this.password = password;
    this.log = [];
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }));
  }

  get url() { return `redis://127.0.0.1:${this.port}/0`; }

  async stop(timeoutMs = 5000) {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis({ dir, port, password, timeoutMs = 10000 }) {
  const bin = process.env.FARMCHAT_REDIS_SERVER || 'redis-server';
  const config = [`port ${port}`, 'bind 127.0.0.1', `requirepass ${password}`, 'save ""', 'appendonly no',
    `dir ${dir}`, 'protected-mode yes', 'daemonize no'].join('\n');
  const child = spawn(bin, ['-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  const redis = new RedisServer(child, port, password);
  child.stdin.end(`${config}\n`);
  const ready = new Promise((resolve) => {
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        redis.log.push(line);
        if (/Ready to accept connections/.test(line)) resolve(true);
      });
    }
  });
  const failed = new Promise((resolve) => child.once('error', (e) => resolve(
    `cannot start ${bin} (${e.message}): install Debian's redis-server (scripts/install-deps.sh)`)));
  const exited = redis.exited.then(({ code }) => `exited with code ${code} before it was ready`);
  let timer;
  const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve(`not ready within ${timeoutMs} ms`), timeoutMs); });
  const outcome = await Promise.race([ready, failed, exited, timedOut]);
  clearTimeout(timer);
  if (outcome !== true) {
    child.kill('SIGKILL');
    throw new Error(`redis-server on port ${port} ${outcome}; output:\n${redis.log.join('\n')}`);
  }
  return redis;
}

// One official SignalR client with every messageReceived kept in order.
export class ChatClient {
  constructor(connection) {
    this.connection = connection;
    this.messages = [];
    this.events = [];
    connection.on('messageReceived', (m) => this.messages.push(m));
    connection.onreconnecting((e) => this.events.push({ event: 'reconnecting', error: e }));
    connection.onreconnected((id) => this.events.push({ event: 'reconnected', connectionId: id }));
    connection.onclose((e) => this.events.push({ event: 'close', error: e }));
  }

  invoke(method, ...args) { return this.connection.invoke(method, ...args); }

  waitForMessage(predicate, what = 'a message', timeoutMs = 5000) {
    return waitFor(() => this.messages.find(predicate), what, timeoutMs);
  }

  // The first `name` event from the `from`th event on.
  waitForEvent(name, timeoutMs = 10000, from = 0) {
    return waitFor(() => this.events.slice(from).find((e) => e.event === name), `the client's ${name} event`, timeoutMs);
  }
}

// A JSON HTTP exchange with a node, raw enough to set any header (Origin).
export function httpRequest(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

// Sends a WebSocket upgrade request and reports the status line's code (101 or a refusal).
export function upgradeStatus(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      headers: {
        Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': Buffer.from('farmchat-e2e-key').toString('base64'), ...headers,
      },
      agent: false,
      timeout: 5000,
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
    req.on('timeout', () => req.destroy(new Error(`upgrade ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Owns the nodes, clients, browsers and temp dirs of one test file.
export class Farm {
  constructor(name) {
    this.name = name;
    this.nodes = [];
    this.clients = [];
    this.browsers = [];
    this.redises = [];
    this.tempDir = fs.mkdtempSync(path.join(os.tmpdir(), `farmchat-e2e-${name}-`));
  }

  async node(options) {
    const node = await startNode(options);
    this.nodes.push(node);
    return node;
  }

  // A private redis-server; start it again on the same port (and password)
  // with redis(previous).
  async redis(previous) {
    const dir = fs.mkdtempSync(path.join(this.tempDir, 'redis-'));
    const redis = await startRedis({
      dir,
      port: previous ? previous.port : await freePort(),
      password: previous ? previous.password : crypto.randomBytes(24).toString('hex'),
    });
    this.redises.push(redis);
    return redis;
  }

  async client(node, { skipNegotiation = false, reconnect = null, start = true } = {}) {
    const options = skipNegotiation
      ? { skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets }
      : { transport: signalR.HttpTransportType.WebSockets };
    let builder = new signalR.HubConnectionBuilder()
      .withUrl(`${node.url}/chat`, options)
      .configureLogging(signalR.LogLevel.None);
    if (reconnect) builder = builder.withAutomaticReconnect(reconnect);
    const client = new ChatClient(builder.build());
    this.clients.push(client);
    if (start) await client.connection.start();
    return client;
  }

  // A fresh Chromium profile per browser, in this farm's temp dir.
  async browser() {
    const profile = fs.mkdtempSync(path.join(this.tempDir, 'chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumBinary(),
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 900, height: 640 },
      timeout: 30000,
    });
    this.browsers.push(context);
    return context;
  }

  async close() {
    const errors = [];
    const settle = async (work) => { try { await work(); } catch (e) { errors.push(e); } };
    await Promise.all(this.clients.map((c) => settle(() => c.connection.stop())));
    await Promise.all(this.browsers.map((b) => settle(() => b.close())));
    await Promise.all(this.nodes.map((n) => settle(() => n.stop())));
    await Promise.all(this.redises.map((r) => settle(() => r.stop())));
    fs.rmSync(this.tempDir, { recursive: true, force: true });
    if (errors.length) throw errors[0];
  }
}

// A room name no other test uses, so tests never see each other's history.
export function uniqueRoom(prefix) {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
