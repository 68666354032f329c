// The node's own send path read by the official @microsoft/signalr client:
// several records in one frame (everything a client gets in one event-loop
// turn), multibyte UTF-8 written as bytes, and frames whose lengths need the
// 16- and 64-bit forms of the WebSocket header (RFC 6455 section 5.2).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Farm, uniqueRoom, waitFor } from './lib/farm.mjs';

describe('frames the node writes itself, read by @microsoft/signalr', () => {
  const farm = new Farm('batching');
  let node;
  before(async () => { node = await farm.node({ nodeId: 'node-batch' }); });
  after(() => farm.close());

  it('delivers a burst complete, once each, in send order, to every client', async () => {
    const room = uniqueRoom('burst');
    const sender = await farm.client(node);
    const readers = [await farm.client(node), await farm.client(node)];
    for (const c of [sender, ...readers]) await c.invoke('JoinRoom', room);
    // Not awaited one by one: the node reads many invocations per turn and
    // answers them, and delivers them, in batches.
    const count = 150;
    const ids = await Promise.all(
      Array.from({ length: count }, (_, i) => sender.invoke('SendToRoom', room, `burst ${i}`)));
    for (const reader of [sender, ...readers]) {
      await waitFor(() => reader.messages.filter((m) => m.room === room).length >= count,
        `${count} burst messages`, 10000);
      const got = reader.messages.filter((m) => m.room === room);
      assert.equal(got.length, count, 'a message came twice');
      assert.deepEqual(got.map((m) => m.text), ids.map((_, i) => `burst ${i}`));
      assert.deepEqual(got.map((m) => m.id), ids);
    }
  });

  it('carries multibyte text of every length unchanged', async () => {
    const room = uniqueRoom('utf8');
    const sender = await farm.client(node);
    const reader = await farm.client(node);
    await sender.invoke('JoinRoom', room);
    await reader.invoke('JoinRoom', room);
    // 1-, 2-, 3- and 4-byte UTF-8 characters (the last is two UTF-16 units).
    const alphabet = ['a', 'é', '€', '漢', '😀'];
    const texts = [];
    for (const length of [1, 2, 3, 60, 61, 62, 63, 64, 65, 100, 1000, 3999]) {
      let text = '';
      for (let i = 0; text.length < length; i++) {
        const c = alphabet[i % alphabet.length];
        if (text.length + c.length <= length) text += c; else text += 'z';
      }
      texts.push(text);
    }
    await Promise.all(texts.map((t) => sender.invoke('SendToRoom', room, t)));
    await waitFor(() => reader.messages.filter((m) => m.room === room).length >= texts.length,
      'every multibyte message', 10000);
    assert.deepEqual(reader.messages.filter((m) => m.room === room).map((m) => m.text), texts);
  });

  it('answers History pages whose frames need 16- and 64-bit lengths', async () => {
    const room = uniqueRoom('big');
    const sender = await farm.client(node);
    await sender.invoke('JoinRoom', room);
    // 4000 three-byte characters: records of about 12 KB, so 5 of them fit
    // in 65,535 bytes and 6 do not.
    const texts = Array.from({ length: 8 }, (_, i) => `${i}`.padEnd(4000, '€'));
    for (const t of texts) await sender.invoke('SendToRoom', room, t);
    await waitFor(() => sender.messages.filter((m) => m.room === room).length >= texts.length,
      'the big messages back', 10000);
    // No afterId: the page starts at the oldest message.
    for (const limit of [1, 5, 6, 8]) {
      const page = await sender.invoke('History', room, null, limit);
      assert.equal(page.length, limit);
      page.forEach((m, i) => assert.ok(m.text === texts[i], `History limit ${limit}: message ${i} differs`));
    }
    // A reader that joins late gets the big messages delivered too.
    const reader = await farm.client(node);
    await reader.invoke('JoinRoom', room);
    const id = await sender.invoke('SendToRoom', room, '€'.repeat(4000));
    const m = await reader.waitForMessage((x) => x.id === id, 'a 12 KB message');
    assert.equal(m.text, '€'.repeat(4000));
  });
});
