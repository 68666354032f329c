// The same scenarios with the official @microsoft/signalr client against
// farmchat-node and the ASP.NET Core reference node (peers/aspnetcore): where a
// standard client sees both alike, and, pinned per kind, where the two differ
// on the wire (docs/ASPNETCORE.md "What differs").
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { Farm, aspNetCoreBinary, nodeBinary, signalR, upgradeStatus } from './lib/farm.mjs';

const KINDS = {
  farmchat: { binary: nodeBinary, unknownIdStatus: 404, unknownMethod: "unknown method 'Nope'" },
  aspnetcore: {
    binary: aspNetCoreBinary,
    unknownIdStatus: 404,
    unknownMethod: "Failed to invoke 'Nope' due to an error on the server. HubException: Method does not exist.",
  },
};

// 30 s of retries: a .NET node takes seconds to start on a busy machine.
const RETRY = Array(300).fill(100);

for (const [kind, expected] of Object.entries(KINDS)) {
  describe(`the official SignalR client on ${kind}`, () => {
    const farm = new Farm(`conformance-${kind}`);
    after(() => farm.close());
    const node = (args = [], port = 0) => farm.node({ nodeId: `${kind}-node`, binary: expected.binary(), timeoutMs: 30000, args, port });

    it('a client the node timed out reconnects (Close with allowReconnect)', async () => {
      const n = await node(['--client-timeout-ms', '1500', '--keepalive-ms', '500']);
      const client = await farm.client(n, { start: false, reconnect: RETRY });
      client.connection.keepAliveIntervalInMilliseconds = 60000; // far slower than the node's timeout
      await client.connection.start();
      await client.invoke('SetName', 'quiet'); // ASP.NET Core times a client out only after its first message
      await client.waitForEvent('reconnecting', 10000);
      await client.waitForEvent('reconnected', 10000);
      assert.equal(client.events.find((e) => e.event === 'close'), undefined, 'the client gave up');
    });

    it('a client reconnects to a node restarted on the same port', async () => {
      const n = await node();
      const client = await farm.client(n, { reconnect: RETRY });
      await n.stop();
      await client.waitForEvent('reconnecting');
      // ASP.NET Core drops its connections before it stops listening, so a
      // client may reconnect to the stopping node first: only what comes after
      // its exit is a reconnect to the new one.
      const exited = client.events.length;
      await node([], n.port);
      await client.waitForEvent('reconnected', 15000, exited);
      assert.equal(typeof await client.invoke('Send', 'back again'), 'string');
    });

    it('a message over 32 KiB fails the call and the client reconnects', async () => {
      const n = await node();
      const client = await farm.client(n, { reconnect: RETRY });
      await assert.rejects(client.invoke('Send', 'x'.repeat(40000)));
      await client.waitForEvent('reconnected', 10000);
      assert.equal(client.events.find((e) => e.event === 'close'), undefined, 'the client gave up');
    });

    it(`an unknown method fails with the node's text; an unknown connection id gets ${expected.unknownIdStatus}`, async () => {
      const n = await node();
      const client = await farm.client(n);
      await assert.rejects(client.invoke('Nope'), (e) => e.message === expected.unknownMethod);
      assert.equal(await upgradeStatus(`${n.url}/chat?id=no-such-connection`), expected.unknownIdStatus);
    });

    it('lets its own origin upgrade and refuses a foreign one with 403', async () => {
      const n = await node();
      assert.equal(await upgradeStatus(`${n.url}/chat`, { Origin: `http://127.0.0.1:${n.port}` }), 101);
      assert.equal(await upgradeStatus(`${n.url}/chat`, { Origin: 'http://elsewhere.example' }), 403);
    });
  });
}
