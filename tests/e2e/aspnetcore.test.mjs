// The official @microsoft/signalr client on a farm of two ASP.NET Core nodes
// (peers/aspnetcore) with a private redis-server: FarmChat's hub contract on
// the stack it imitates, and what ASP.NET Core's Redis backplane promises.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';

import { Farm, aspNetCoreBinary, httpRequest, sleep, uniqueRoom, waitFor } from './lib/farm.mjs';

async function health(node) {
  return JSON.parse((await httpRequest(`${node.url}/health`)).text);
}

function aspNetCoreNode(farm, nodeId, { redis, backplane = 'pubsub' } = {}) {
  const args = redis ? ['--redis', redis.url, '--backplane', backplane] : [];
  return farm.node({
    nodeId, args, binary: aspNetCoreBinary(), timeoutMs: 30000,
    env: redis ? { FARMCHAT_REDIS_PASSWORD: redis.password } : {},
  });
}

// Sends `text` from `sender` and a marker after it from `witness`'s node, so
// once the marker arrives at `witness` anything `sender` sent before is there too.
async function sendAndSettle(sender, witness, text) {
  const id = await sender.invoke('Send', text);
  const marker = await witness.invoke('Send', `marker after ${text}`);
  await witness.waitForMessage((m) => m.id === marker, `the marker after '${text}'`);
  return id;
}

describe('two ASP.NET Core nodes with the official SignalR client', () => {
  const farm = new Farm('aspnetcore');
  after(() => farm.close());

  it('takes farmchat-node\'s command line: exit 2 naming a bad flag, 3 for a taken port', async () => {
    for (const [args, message] of [[['--bogus'], /unknown option '--bogus'/], [['--port', 'x'], /--port must be a whole number/],
      [['--backplane', 'streams', '--redis', 'redis://127.0.0.1:1/0'], /pub\/sub only/],
      [['--redis', 'redis://user:secret@127.0.0.1:1/0'], /no password in the URL/]]) {
      const run = spawnSync(aspNetCoreBinary(), args, { encoding: 'utf8', timeout: 30000 });
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
    const first = await aspNetCoreNode(farm, 'asp-port');
    const second = spawnSync(aspNetCoreBinary(), ['--port', String(first.port)], { encoding: 'utf8', timeout: 30000 });
    assert.equal(second.status, 3, second.stderr);
    assert.match(second.stderr, new RegExp(`port ${first.port} is already in use`));
  });

  it('backplane on: messages cross both ways over Redis pub/sub', async () => {
    const redis = await farm.redis();
    const [a, b] = await Promise.all([aspNetCoreNode(farm, 'asp-a', { redis }), aspNetCoreNode(farm, 'asp-b', { redis })]);
    const [atA, atB] = await Promise.all([farm.client(a), farm.client(b, { skipNegotiation: true })]);
    // An invocation runs after OnConnectedAsync, which counts the client.
    await atA.invoke('SetName', 'ann');
    assert.deepEqual((({ kind, node, backplane, redisConnected, clients }) => ({ kind, node, backplane, redisConnected, clients }))(await health(a)),
      { kind: 'aspnetcore', node: 'asp-a', backplane: 'pubsub', redisConnected: true, clients: 1 });

    const id = await atA.invoke('Send', 'hello from asp-a');
    const crossed = await atB.waitForMessage((m) => m.id === id, 'the message at asp-b');
    assert.deepEqual({ ...crossed, sentAt: typeof crossed.sentAt },
      { id, room: 'lobby', from: 'ann', text: 'hello from asp-a', node: 'asp-a', sentAt: 'number', via: 'pubsub' });
    // Group sends go through Redis even to the sender's own node, so its clients see pubsub too.
    assert.equal((await atA.waitForMessage((m) => m.id === id, 'the message back at asp-a')).via, 'pubsub');

    const room = uniqueRoom('orchard');
    await Promise.all([atA.invoke('JoinRoom', room), atB.invoke('JoinRoom', room)]);
    const back = await atB.invoke('SendToRoom', room, 'hello back from asp-b');
    assert.equal((await atA.waitForMessage((m) => m.id === back, 'the room message at asp-a')).room, room);
    // History is node-local: asp-b kept what it sent, asp-a did not see it go through the app.
    assert.deepEqual((await atB.invoke('History', room, null, 10)).map((m) => m.id), [back]);
    assert.deepEqual(await atA.invoke('History', room, null, 10), []);
  });

  it('backplane off: each node delivers to its own clients only', async () => {
    const redis = await farm.redis();
    const [a, b] = await Promise.all([aspNetCoreNode(farm, 'asp-off-a', { redis, backplane: 'off' }),
      aspNetCoreNode(farm, 'asp-off-b', { redis, backplane: 'off' })]);
    assert.equal((await health(a)).backplane, 'off');
    const [atA, alsoAtA, atB] = await Promise.all([farm.client(a), farm.client(a), farm.client(b)]);
    const id = await sendAndSettle(atA, atB, 'stays on asp-off-a');
    assert.equal((await alsoAtA.waitForMessage((m) => m.id === id, 'the message at asp-off-a')).via, 'local');
    assert.equal(atB.messages.find((m) => m.id === id), undefined, 'a message crossed with the backplane off');
  });

  it('Redis restart: at most once; a Send past StackExchange.Redis\'s 5 s timeout reaches nobody', async () => {
    let redis = await farm.redis();
    const [a, b] = await Promise.all([aspNetCoreNode(farm, 'asp-r-a', { redis }), aspNetCoreNode(farm, 'asp-r-b', { redis })]);
    const [atA, atB] = await Promise.all([farm.client(a), farm.client(b)]);
    await sendAndSettle(atA, atB, 'before');

    // Short outage: the PUBLISH waits in StackExchange.Redis's backlog and goes
    // out on reconnect; a node whose SUBSCRIBE is not back yet misses it, so it
    // arrives at most once, and may not arrive at all.
    await redis.stop();
    await waitFor(async () => !(await health(a)).redisConnected, 'asp-r-a to see Redis go', 10000);
    const held = atA.invoke('Send', 'during a short outage');
    await sleep(500);
    redis = await farm.redis(redis);
    const heldId = await held;
    await Promise.all([a, b].map((n) => waitFor(async () => (await health(n)).redisConnected, `${n.url} to reconnect`, 20000)));
    await sendAndSettle(atA, atB, 'after the short outage');
    for (const client of [atA, atB]) assert.ok(client.messages.filter((m) => m.id === heldId).length <= 1, 'delivered twice');

    // Long outage: Send fails after the timeout and nobody, not even the
    // sender's own node, gets the message (group sends all go through Redis).
    await redis.stop();
    await waitFor(async () => !(await health(a)).redisConnected, 'asp-r-a to see Redis go', 10000);
    const started = Date.now();
    await assert.rejects(atA.invoke('Send', 'during a long outage'), /Send: the Redis backplane is unavailable/);
    assert.ok(Date.now() - started >= 4000, `Send failed after ${Date.now() - started} ms, before the 5 s timeout`);
    redis = await farm.redis(redis);
    await Promise.all([a, b].map((n) => waitFor(async () => (await health(n)).redisConnected, `${n.url} to reconnect`, 20000)));
    await sendAndSettle(atA, atB, 'after the long outage');
    for (const client of [atA, atB]) {
      assert.equal(client.messages.find((m) => m.text === 'during a long outage'), undefined, 'the failed message was delivered');
    }
  });
});
