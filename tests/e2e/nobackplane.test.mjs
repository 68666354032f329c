// The problem FarmChat demonstrates, reproduced: two nodes without a backplane
// are two separate chats. A client on each node never sees the other's messages.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { Farm, httpRequest, sleep } from './lib/farm.mjs';

// After a same-node witness has a message, give the other node this long to
// (wrongly) deliver it too; on loopback a real delivery takes milliseconds.
const GRACE_MS = 1000;

describe('two nodes without a backplane', () => {
  const farm = new Farm('nobackplane');
  after(() => farm.close());

  it('keep their messages to themselves', async () => {
    const [left, right] = await Promise.all([farm.node({ nodeId: 'node-left' }), farm.node({ nodeId: 'node-right' })]);
    assert.notEqual(left.port, right.port);
    for (const node of [left, right]) {
      const health = JSON.parse((await httpRequest(`${node.url}/health`)).text);
      assert.match(JSON.stringify(health), /"off"/, `${node.url}/health does not report backplane off: ${JSON.stringify(health)}`);
    }

    const onLeft = await farm.client(left);
    const witnessLeft = await farm.client(left);
    const onRight = await farm.client(right);
    const witnessRight = await farm.client(right);

    const fromLeft = await onLeft.invoke('Send', 'hello from the left node');
    const fromRight = await onRight.invoke('Send', 'hello from the right node');
    // Each message does reach the clients of its own node...
    const seenLeft = await witnessLeft.waitForMessage((x) => x.id === fromLeft, 'the left message on the left node');
    const seenRight = await witnessRight.waitForMessage((x) => x.id === fromRight, 'the right message on the right node');
    assert.equal(seenLeft.node, 'node-left');
    assert.equal(seenRight.node, 'node-right');
    await sleep(GRACE_MS);

    // ...and never the clients of the other node.
    const texts = (client) => client.messages.map((m) => m.text);
    assert.deepEqual(texts(onLeft), ['hello from the left node']);
    assert.deepEqual(texts(witnessLeft), ['hello from the left node']);
    assert.deepEqual(texts(onRight), ['hello from the right node']);
    assert.deepEqual(texts(witnessRight), ['hello from the right node']);

    // Nor does either node's history know the other's message.
    const leftHistory = await onLeft.invoke('History', 'lobby', null, 100);
    const rightHistory = await onRight.invoke('History', 'lobby', null, 100);
    assert.deepEqual(leftHistory.map((m) => m.text), ['hello from the left node']);
    assert.deepEqual(rightHistory.map((m) => m.text), ['hello from the right node']);
  });
});
