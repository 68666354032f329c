// A node SIGKILLed while official @microsoft/signalr clients chat on it, in
// streams mode: with withAutomaticReconnect and a list of the farm's nodes
// (lib/failover.mjs) they reconnect to another node and catch up with
// History('lobby', lastSeenId); every client ends with every accepted message,
// none twice. Labels: e2e, faults.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { CatchUpClient } from './lib/catchup.mjs';
import { failoverWebSocket } from './lib/failover.mjs';
import { Farm, httpRequest, signalR, sleep, waitFor } from './lib/farm.mjs';

// A CatchUpClient whose connections go to a list of nodes in turn, and
// which remembers what each Send got.
class FailoverClient extends CatchUpClient {
  constructor(nodes) {
    const { WebSocket, state } = failoverWebSocket(nodes.map((n) => n.url));
    super(new signalR.HubConnectionBuilder()
      .withUrl(`${nodes[0].url}/chat`, { skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets, WebSocket })
      .withAutomaticReconnect([0, 100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000])
      .configureLogging(signalR.LogLevel.None)
      .build());
    this.route = state;
    this.sent = new Set(); // texts the node accepted
    this.failed = new Map(); // text -> the error its Send got
  }

  async send(text) {
    try {
      await this.connection.invoke('Send', text);
      this.sent.add(text);
    } catch (e) {
      this.failed.set(text, e.message);
    }
  }
}

describe('a node killed under official SignalR clients (streams)', () => {
  const farm = new Farm('failover');
  after(() => farm.close());

  it('its clients fail over to another node and catch up: 0 lost, 0 duplicated', async () => {
    const redis = await farm.redis();
    const nodes = await Promise.all(['a', 'b', 'c'].map((id) => farm.node({
      nodeId: `node-${id}`,
      args: ['--redis', redis.url, '--backplane', 'streams'],
      env: { FARMCHAT_REDIS_PASSWORD: redis.password },
    })));
    for (const node of nodes) {
      await waitFor(async () => JSON.parse((await httpRequest(`${node.url}/health`)).text).redisConnected,
        `${node.url} on Redis`, 20000);
    }
    const [a, b, c] = nodes;
    // Two clients on b (killed later), one on a, one on c.
    const clients = [new FailoverClient([b, c, a]), new FailoverClient([b, a, c]),
      new FailoverClient([a, b, c]), new FailoverClient([c, a, b])];
    farm.clients.push(...clients);
    await Promise.all(clients.map((cl) => cl.connection.start()));
    // Every node's reader in place: a marker from node b reached every client
    // (a node not yet reading the stream would miss it, so one goes out every
    // 100 ms until one got everywhere). Markers are no Send of the test.
    const isMarker = (t) => t.startsWith('readers-in-place ');
    const markers = [];
    await waitFor(async () => {
      if (markers.some((t) => clients.every((cl) => cl.texts.has(t)))) return true;
      markers.push(`readers-in-place ${markers.length}`);
      await clients[0].connection.invoke('Send', markers[markers.length - 1]);
      await sleep(100);
      return false;
    }, 'every node reading the stream', 20000);

    let issued = 0;
    const sends = [];
    const pump = setInterval(() => {
      for (const cl of clients) sends.push(cl.send(`js ${issued++}`));
    }, 15);
    await waitFor(() => issued >= 600, '600 messages sent', 20000);
    const killedAt = Date.now();
    b.child.kill('SIGKILL');
    await waitFor(() => clients.slice(0, 2).every((cl) => cl.reconnects === 1
      && cl.connection.state === signalR.HubConnectionState.Connected), 'the clients of node b back on another node', 20000);
    const failoverMs = Date.now() - killedAt;
    const issuedAtFailover = issued; // every Send from here on must be accepted
    await waitFor(() => issued >= 2400, '2400 messages sent', 30000);
    clearInterval(pump);
    await Promise.all(sends);

    const accepted = new Set();
    for (const cl of clients) for (const t of cl.sent) accepted.add(t);
    await waitFor(() => clients.every((cl) => [...accepted].every((t) => cl.texts.has(t))),
      'every client to have every accepted message', 20000).catch(() => {});
    await sleep(500);
    let lost = 0;
    let duplicated = 0;
    for (const cl of clients) {
      for (const t of accepted) if (!cl.texts.has(t)) lost += 1;
      duplicated += cl.duplicated;
    }
    // What reached the stream reached everyone, answered or not.
    const everywhere = (t) => clients.every((cl) => cl.texts.has(t));
    const partial = [...new Set(clients.flatMap((cl) => [...cl.texts]))]
      .filter((t) => !isMarker(t) && !everywhere(t)).length;
    const failed = clients.reduce((n, cl) => n + cl.failed.size, 0);
    console.log(`FAULT node-kill streams (@microsoft/signalr, withAutomaticReconnect): sent=${issued} `
      + `accepted=${accepted.size} unanswered-or-refused=${failed} lost=${lost} duplicated=${duplicated} `
      + `partial=${partial} failover=${failoverMs}ms caught-up-from-History=`
      + `${clients[0].fromHistory + clients[1].fromHistory}`);
    assert.equal(lost, 0);
    assert.equal(duplicated, 0);
    assert.equal(partial, 0);
    for (const cl of clients.slice(0, 2)) assert.notEqual(cl.route.current, b.url, 'moved to another node');
    for (const cl of clients.slice(2)) assert.equal(cl.reconnects, 0);
    // Unanswered Sends are only those the dead node took with it or that were
    // made while its clients reconnected; no node refused one.
    for (const cl of clients.slice(2)) assert.deepEqual([...cl.failed], []);
    for (const cl of clients.slice(0, 2)) {
      for (const [text, error] of cl.failed) {
        assert.match(error, /WebSocket closed with status code: 1006|underlying connection being closed|not in the 'Connected' State/, text);
        assert.ok(Number(text.split(' ')[1]) < issuedAtFailover,
          `${text} failed after the failover (${issuedAtFailover}): ${error}`);
      }
    }
    assert.ok(failed < issued / 10, `${failed} unanswered`);
  });
});
