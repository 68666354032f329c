// farmchat-node driven by the official @microsoft/signalr client from Node.js:
// the proof that the node speaks the real SignalR JSON hub protocol.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Farm, httpRequest, signalR, uniqueRoom, upgradeStatus, waitFor } from './lib/farm.mjs';

const NODE_ID = 'node-e2e-a';

describe('farmchat-node with the official SignalR client', () => {
  const farm = new Farm('signalr');
  let node;
  before(async () => { node = await farm.node({ nodeId: NODE_ID }); });
  after(() => farm.close());

  it('answers negotiate version 1 and version 0', async () => {
    const v1 = await httpRequest(`${node.url}/chat/negotiate?negotiateVersion=1`, { method: 'POST' });
    assert.equal(v1.status, 200, v1.text);
    const body = JSON.parse(v1.text);
    assert.equal(body.negotiateVersion, 1);
    assert.equal(typeof body.connectionId, 'string');
    assert.equal(typeof body.connectionToken, 'string');
    assert.ok(body.availableTransports.some((t) => t.transport === 'WebSockets' && t.transferFormats.includes('Text')),
      `no WebSockets/Text transport in ${v1.text}`);

    const v0 = await httpRequest(`${node.url}/chat/negotiate`, { method: 'POST' });
    assert.equal(v0.status, 200, v0.text);
    assert.equal(typeof JSON.parse(v0.text).connectionId, 'string');
  });

  for (const skipNegotiation of [false, true]) {
    it(`connects ${skipNegotiation ? 'with skipNegotiation over WebSockets' : 'through negotiate'} and round-trips a message`, async () => {
      const client = await farm.client(node, { skipNegotiation });
      assert.equal(client.connection.state, signalR.HubConnectionState.Connected);
      const text = `hello, skipNegotiation=${skipNegotiation}`;
      const id = await client.invoke('Send', text);
      assert.equal(typeof id, 'string');
      assert.ok(id.length > 0);
      const m = await client.waitForMessage((x) => x.id === id, 'its own message back');
      assert.equal(m.text, text);
      await client.connection.stop();
    });
  }

  it('lets two clients on one node chat; method names are case-insensitive', async () => {
    const alice = await farm.client(node);
    const bob = await farm.client(node);
    await alice.invoke('SetName', 'alice');
    await bob.invoke('setname', 'bob');

    const before = Date.now();
    const id = await alice.invoke('send', 'hi bob');
    const m = await bob.waitForMessage((x) => x.id === id, "alice's message at bob");
    assert.deepEqual({ room: m.room, from: m.from, text: m.text, node: m.node, via: m.via },
      { room: 'lobby', from: 'alice', text: 'hi bob', node: NODE_ID, via: 'local' });
    assert.equal(typeof m.sentAt, 'number');
    assert.ok(Math.abs(m.sentAt - before) < 60000, `sentAt ${m.sentAt} is not close to now (${before})`);

    const reply = await bob.invoke('SendToRoom', 'lobby', 'hi alice');
    const r = await alice.waitForMessage((x) => x.id === reply, "bob's reply at alice");
    assert.equal(r.from, 'bob');
    assert.equal(r.text, 'hi alice');
    assert.notEqual(reply, id, 'two messages got the same id');
  });

  it('keeps rooms apart: JoinRoom and LeaveRoom', async () => {
    const room = uniqueRoom('garden');
    const member = await farm.client(node);
    const witness = await farm.client(node);
    const outsider = await farm.client(node);
    await member.invoke('JoinRoom', room);
    await witness.invoke('JoinRoom', room);

    const inRoom = await member.invoke('SendToRoom', room, 'only for the garden');
    const seen = await witness.waitForMessage((x) => x.id === inRoom, 'the room message at a member');
    assert.equal(seen.room, room);
    const lobby = await member.invoke('Send', 'for everyone');
    await outsider.waitForMessage((x) => x.id === lobby, 'a lobby message at the outsider');
    assert.equal(outsider.messages.find((x) => x.id === inRoom), undefined, 'a client outside the room got its message');

    await member.invoke('LeaveRoom', room);
    const after = await witness.invoke('SendToRoom', room, 'member has left');
    await witness.waitForMessage((x) => x.id === after, 'the witness’s own room message');
    const lobby2 = await witness.invoke('Send', 'lobby after leave');
    await member.waitForMessage((x) => x.id === lobby2, 'a lobby message at the member who left the room');
    assert.equal(member.messages.find((x) => x.id === after), undefined, 'a client got a message of a room it left');
  });

  it('answers History after an id, up to a limit, oldest first, and the same over HTTP', async () => {
    const room = uniqueRoom('history');
    const client = await farm.client(node);
    await client.invoke('JoinRoom', room);
    const ids = [];
    for (let i = 0; i < 5; i += 1) ids.push(await client.invoke('SendToRoom', room, `message ${i}`));

    const all = await client.invoke('History', room, null, 100);
    assert.deepEqual(all.map((m) => m.id), ids);
    assert.deepEqual(all.map((m) => m.text), ids.map((_, i) => `message ${i}`));
    assert.ok(all.every((m) => m.room === room && m.node === NODE_ID));
    assert.deepEqual((await client.invoke('History', room, ids[1], 100)).map((m) => m.id), ids.slice(2));
    assert.deepEqual((await client.invoke('History', room, ids[0], 2)).map((m) => m.id), ids.slice(1, 3));
    assert.deepEqual(await client.invoke('History', room, ids[4], 100), []);

    const res = await httpRequest(`${node.url}/rooms/${encodeURIComponent(room)}/messages?after=${encodeURIComponent(ids[1])}&limit=2`);
    assert.equal(res.status, 200, res.text);
    const overHttp = JSON.parse(res.text);
    const list = Array.isArray(overHttp) ? overHttp : overHttp.messages;
    assert.deepEqual(list.map((m) => m.id), ids.slice(2, 4));
  });

  it('rejects an unknown method and bad arguments with an error, and stays usable', async () => {
    const client = await farm.client(node);
    await assert.rejects(client.invoke('NoSuchMethod', 1), (e) => {
      assert.match(e.message, /NoSuchMethod|method/i);
      return true;
    });
    await assert.rejects(client.invoke('SendToRoom', 'lobby'), /./, 'a missing argument was accepted');
    await assert.rejects(client.invoke('Send', 42), /./, 'a number was accepted as text');
    await assert.rejects(client.invoke('JoinRoom', ''), /./, 'an empty room name was accepted');
    assert.equal(client.connection.state, signalR.HubConnectionState.Connected);
    const id = await client.invoke('Send', 'still here');
    await client.waitForMessage((x) => x.id === id, 'a message after the errors');
  });

  it('disconnects and reconnects on request', async () => {
    const client = await farm.client(node);
    const first = client.connection.connectionId;
    await client.connection.stop();
    assert.equal(client.connection.state, signalR.HubConnectionState.Disconnected);
    await client.connection.start();
    assert.notEqual(client.connection.connectionId, first);
    const id = await client.invoke('Send', 'back again');
    await client.waitForMessage((x) => x.id === id, 'a message after reconnecting');
  });
});

describe('automatic reconnect and origin checks', () => {
  const farm = new Farm('signalr-restart');
  after(() => farm.close());

  it('reconnects by itself (withAutomaticReconnect) after its node restarts', async () => {
    const node = await farm.node({ nodeId: 'node-e2e-restart' });
    const retry = { nextRetryDelayInMilliseconds: (ctx) => (ctx.elapsedMilliseconds < 20000 ? 200 : null) };
    const client = await farm.client(node, { reconnect: retry });
    const firstId = client.connection.connectionId;

    const stopped = await node.stop();
    assert.deepEqual(stopped, { code: 0, signal: null }, `SIGTERM should end the node with status 0; output:\n${node.output}`);
    await client.waitForEvent('reconnecting');
    assert.equal(client.connection.state, signalR.HubConnectionState.Reconnecting);

    const again = await farm.node({ nodeId: 'node-e2e-restart', port: node.port });
    await client.waitForEvent('reconnected', 15000);
    assert.equal(client.connection.state, signalR.HubConnectionState.Connected);
    assert.notEqual(client.connection.connectionId, firstId);

    const other = await farm.client(again);
    const id = await client.invoke('Send', 'after the restart');
    const m = await other.waitForMessage((x) => x.id === id, 'a message sent after the automatic reconnect');
    assert.equal(m.node, 'node-e2e-restart');
  });

  it('refuses a foreign Origin with 403 on negotiate and on the WebSocket upgrade', async () => {
    const allowed = 'http://allowed.example';
    const node = await farm.node({ args: ['--allowed-origin', allowed] });
    const negotiate = (origin) => httpRequest(`${node.url}/chat/negotiate?negotiateVersion=1`,
      { method: 'POST', headers: origin ? { Origin: origin } : {} });

    const foreign = await negotiate('http://evil.example');
    assert.equal(foreign.status, 403, foreign.text);
    assert.equal((await negotiate(allowed)).status, 200);
    assert.equal((await negotiate(node.url)).status, 200, 'the page the node serves itself must be allowed');
    assert.equal((await negotiate(null)).status, 200, 'non-browser clients send no Origin and must be allowed');

    assert.equal(await upgradeStatus(`${node.url}/chat`, { Origin: 'http://evil.example' }), 403);
    assert.equal(await upgradeStatus(`${node.url}/chat`, { Origin: allowed }), 101);

    // The official client (no Origin from Node.js) still works against this node.
    const client = await farm.client(node);
    const id = await client.invoke('Send', 'origin-checked node');
    await client.waitForMessage((x) => x.id === id, 'a message on the origin-checked node');
    await waitFor(async () => (await httpRequest(`${node.url}/health`)).status === 200, '/health after the refusals');
  });
});
