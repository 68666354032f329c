// The farm behind its load balancer (farmchat-launcher --lb, a real HAProxy)
// with the official @microsoft/signalr client: round-robin with negotiation
// fails with 404 on connections whose negotiate and WebSocket reach
// different nodes; sticky (the client keeps the balancer's cookie) and
// skipNegotiation connect every time; drain and maint through HAProxy's
// runtime API; a killed node gets no new clients; SIGKILL of the launcher
// leaves no haproxy; config and socket are the user's alone; nothing listens
// beyond loopback. Labels: e2e, faults.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, describe, it } from 'node:test';

import { CatchUpClient } from './lib/catchup.mjs';
import { Farm, signalR, sleep, waitFor } from './lib/farm.mjs';
import { openPage, sendFromPage, waitForText } from './lib/page.mjs';

const CONNECTS = 20;

function launcherBinary() {
  const bin = process.env.FARMCHAT_LAUNCHER_BIN;
  if (!bin || !fs.existsSync(bin)) throw new Error(`FARMCHAT_LAUNCHER_BIN=${bin}: run through ctest after building farmchat-launcher`);
  return bin;
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

// farmchat-launcher --json with a balancer; resolves with its `ready` event.
// Its temp dirs go into a private TMPDIR, removed by stopFarm() even after a SIGKILL.
async function startFarm(policy, args = []) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'farmchat-e2e-lb-'));
  const child = spawn(launcherBinary(), ['--json', '--nodes', '2', '--base-port', 'auto', '--lb', policy, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
  process.on('exit', () => child.kill('SIGKILL'));
  const lines = [];
  const ready = new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const event = JSON.parse(line);
      if (event.event === 'ready') resolve(event);
      if (event.event === 'error') reject(new Error(`launcher: ${event.message}`));
    });
    child.once('exit', (code) => reject(new Error(`launcher exited (${code}) before ready:\n${lines.join('\n')}`)));
  });
  const event = await Promise.race([ready, sleep(20000).then(() => { throw new Error('launcher not ready within 20 s'); })]);
  return { child, lb: event.lb, nodes: event.nodes, lines, tmp };
}

async function stopFarm(farm) {
  if (farm.child.exitCode === null && farm.child.signalCode === null) {
    const exited = new Promise((resolve) => farm.child.once('exit', resolve));
    farm.child.kill('SIGTERM');
    await Promise.race([exited, sleep(8000).then(() => farm.child.kill('SIGKILL'))]);
  }
  fs.rmSync(farm.tmp, { recursive: true, force: true });
}

// One command on HAProxy's runtime API (the launcher's unix socket).
function runtime(farm, command) {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(farm.lb.runtimeApi);
    let answer = '';
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (d) => { answer += d; });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

async function serverStatus(farm) {
  const [header, ...rows] = (await runtime(farm, 'show stat')).trim().split('\n');
  const columns = header.slice(2).split(',');
  const col = (name) => columns.indexOf(name);
  const servers = {};
  for (const row of rows) {
    const cells = row.split(',');
    if (cells[col('pxname')] === 'nodes' && !['BACKEND', 'FRONTEND'].includes(cells[col('svname')])) {
      servers[cells[col('svname')]] = { status: cells[col('status')], sessions: Number(cells[col('scur')]) };
    }
  }
  return servers;
}

function connection(farm, { skipNegotiation = false, reconnect = null } = {}) {
  let builder = new signalR.HubConnectionBuilder()
    .withUrl(`${farm.lb.url}chat`, { skipNegotiation, transport: signalR.HttpTransportType.WebSockets })
    .configureLogging(signalR.LogLevel.None);
  if (reconnect) builder = builder.withAutomaticReconnect(reconnect);
  return builder.build();
}

// Connects `count` official clients one after another (so the balancer's
// rotation shows), asks each WhoAmI, and stops it.
async function connectMany(farm, count, options = {}) {
  const result = { ok: 0, failed: 0, errors: [], nodes: {} };
  for (let i = 0; i < count; i += 1) {
    const c = connection(farm, options);
    try {
      await c.start();
      const me = await c.invoke('WhoAmI');
      result.ok += 1;
      result.nodes[me.node] = (result.nodes[me.node] || 0) + 1;
    } catch (e) {
      result.failed += 1;
      result.errors.push(String(e.message || e));
    } finally {
      await c.stop();
    }
  }
  return result;
}

describe('the farm behind HAProxy, round-robin', () => {
  let farm;
  after(async () => { if (farm) await stopFarm(farm); });

  it('starts haproxy on loopback with a private config and runtime socket', async () => {
    farm = await startFarm('round-robin', ['--backplane', 'streams']);
    assert.match(farm.lb.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const file of [farm.lb.config, farm.lb.runtimeApi]) {
      assert.equal(fs.statSync(file).mode & 0o077, 0, `${file} is readable by others`);
    }
    const config = fs.readFileSync(farm.lb.config, 'utf8');
    assert.match(config, /option httpchk/);
    assert.match(config, /timeout tunnel/);
    // Every socket haproxy listens on is loopback (or its unix socket).
    const listening = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' }).split('\n')
      .filter((l) => l.includes(`pid=${farm.lb.pid},`));
    assert.ok(listening.length >= 1, 'haproxy listens on nothing?');
    for (const line of listening) assert.match(line, /\s127\.0\.0\.1:\d+\s/, line);
  });

  it('with negotiation, fails with not-found when negotiate and WebSocket reach different nodes', async () => {
    const r = await connectMany(farm, CONNECTS);
    assert.ok(r.failed > 0, `no failures: ${JSON.stringify(r)}`);
    // The official client's words for a 404 on the upgrade, as with ASP.NET Core.
    for (const e of r.errors) {
      assert.match(e, /connection could not be found on the server/);
      assert.match(e, /sticky sessions/);
    }
  });

  it('skipping negotiation, connects every time and spreads clients', async () => {
    const r = await connectMany(farm, CONNECTS, { skipNegotiation: true });
    assert.equal(r.failed, 0, r.errors.join('\n'));
    assert.equal(Object.keys(r.nodes).length, 2, JSON.stringify(r.nodes));
  });

  it('a drained node gets no new clients; ready takes them again', async () => {
    const drained = farm.nodes[0].name;
    assert.equal((await runtime(farm, `set server nodes/${drained} state drain`)).trim(), '');
    const r = await connectMany(farm, 10, { skipNegotiation: true });
    assert.equal(r.failed, 0, r.errors.join('\n'));
    assert.equal(r.nodes[drained], undefined, JSON.stringify(r.nodes));
    await runtime(farm, `set server nodes/${drained} state ready`);
    const back = await connectMany(farm, 4, { skipNegotiation: true });
    assert.ok(back.nodes[drained] > 0, JSON.stringify(back.nodes));
  });

  it('after maint its clients reconnect elsewhere and lose 0, duplicate 0 (streams)', async () => {
    const cut = farm.nodes[1].name;
    const clients = [];
    for (let i = 0; i < 6; i += 1) {
      const c = new CatchUpClient(connection(farm, { skipNegotiation: true, reconnect: [0, 50, 100, 200, 400, 800, 1000, 1000] }));
      await c.connection.start();
      c.node = (await c.connection.invoke('WhoAmI')).node;
      clients.push(c);
    }
    const onCut = clients.filter((c) => c.node === cut);
    assert.ok(onCut.length > 0, 'no client on the node to cut');
    const sender = clients.find((c) => c.node !== cut);
    const accepted = new Set();
    let sending = true;
    const sendLoop = (async () => {
      for (let i = 0; sending; i += 1) {
        try { accepted.add(await sender.connection.invoke('Send', `m${i}`)); } catch { /* counted as not accepted */ }
        await sleep(10);
      }
    })();
    await sleep(300);
    const cutAt = Date.now();
    assert.equal((await runtime(farm, `set server nodes/${cut} state maint`)).trim(), '');
    await runtime(farm, `shutdown sessions server nodes/${cut}`);
    await waitFor(() => onCut.every((c) => c.reconnectedAt > 0 && !c.catchingUp), 'the cut clients to reconnect', 10000);
    const reconnectMs = Math.max(...onCut.map((c) => c.reconnectedAt - cutAt));
    await sleep(300);
    sending = false;
    await sendLoop;
    await waitFor(() => clients.every((c) => [...accepted].every((id) => c.seen.has(id))), 'every accepted message everywhere', 10000)
      .catch(() => {});
    for (const c of clients) {
      const missing = [...accepted].filter((id) => !c.seen.has(id));
      const { duplicated } = c;
      assert.equal(missing.length, 0, `a client on ${c.node} lost ${missing.length} of ${accepted.size}`);
      assert.equal(duplicated, 0, `a client on ${c.node} got ${duplicated} twice`);
    }
    for (const c of onCut) assert.notEqual((await c.connection.invoke('WhoAmI')).node, cut);
    console.log(`maint: ${onCut.length} clients reconnected through the balancer in ${reconnectMs} ms; ${accepted.size} messages, lost 0, duplicated 0`);
    await Promise.all(clients.map((c) => c.connection.stop()));
    await runtime(farm, `set server nodes/${cut} state ready`);
  });

  it('a killed node fails its health check and gets no new clients', async () => {
    const victim = farm.nodes[0];
    process.kill(victim.pid, 'SIGKILL');
    await waitFor(async () => (await serverStatus(farm))[victim.name].status.startsWith('DOWN'), `${victim.name} DOWN`, 10000);
    const r = await connectMany(farm, 10, { skipNegotiation: true });
    assert.equal(r.failed, 0, r.errors.join('\n'));
    assert.deepEqual(Object.keys(r.nodes), [farm.nodes[1].name]);
  });

  it('SIGKILL of the launcher leaves no haproxy', async () => {
    const pid = farm.lb.pid;
    assert.ok(alive(pid));
    farm.child.kill('SIGKILL');
    await waitFor(() => !alive(pid), `haproxy ${pid} to end with the launcher`, 3000);
  });
});

describe('the farm behind HAProxy, sticky', () => {
  let farm;
  const browsers = new Farm('loadbalancer');
  after(async () => {
    await browsers.close();
    if (farm) await stopFarm(farm);
  });

  it('with negotiation (the client keeps the cookie), connects every time', async () => {
    farm = await startFarm('sticky');
    const r = await connectMany(farm, CONNECTS);
    assert.equal(r.failed, 0, r.errors.join('\n'));
    assert.equal(Object.keys(r.nodes).length, 2, JSON.stringify(r.nodes));
    const s = await connectMany(farm, CONNECTS, { skipNegotiation: true });
    assert.equal(s.failed, 0, s.errors.join('\n'));
  });

  it("Chromium on the node's page through the balancer: the cookie pins it, pub/sub carries across", async () => {
    const lbNode = { url: farm.lb.url.replace(/\/$/, ''), output: farm.lines.join('\n') };
    const pages = [];
    for (const name of ['ann', 'bob', 'cyd']) pages.push(await openPage(await browsers.browser(), lbNode, name));
    const cookies = await Promise.all(pages.map(({ page }) => page.context().cookies()));
    const pinned = cookies.map((list) => list.find((c) => c.name === 'FARMCHAT_NODE')?.value);
    assert.ok(pinned.every(Boolean), `no sticky cookie: ${JSON.stringify(cookies)}`);
    assert.ok(new Set(pinned).size > 1, `every page on one node: ${pinned}`);
    await sendFromPage(pages[0].page, 'through the balancer');
    for (const { page } of pages) await waitForText(page, 'through the balancer');
    for (const { errors } of pages) assert.deepEqual(errors, []);
  });
});

describe('the farm behind HAProxy, source', () => {
  let farm;
  after(async () => { if (farm) await stopFarm(farm); });

  it('with negotiation, connects every time, all on one node (every client is 127.0.0.1)', async () => {
    farm = await startFarm('source');
    const r = await connectMany(farm, CONNECTS);
    assert.equal(r.failed, 0, r.errors.join('\n'));
    assert.equal(Object.keys(r.nodes).length, 1, JSON.stringify(r.nodes));
  });
});
