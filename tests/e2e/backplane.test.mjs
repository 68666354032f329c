// The web chat page on a farm with a Redis backplane (a private redis-server):
// messages from another node carry its badge and a "via" marker, a send while
// Redis is down shows the node's delivery warning, and a Redis that comes back
// empty makes the page reload the room (historyReset).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Farm, httpRequest, waitFor } from './lib/farm.mjs';
import { TIMEOUT, openPage, screenshots, sendFromPage, waitForText } from './lib/page.mjs';

async function health(node) {
  return JSON.parse((await httpRequest(`${node.url}/health`)).text);
}

function redisConnected(node, connected, timeoutMs = 20000) {
  return waitFor(async () => (await health(node)).redisConnected === connected,
    `${node.url}/health to say redisConnected ${connected}`, timeoutMs);
}

function backplaneNode(farm, redis, nodeId, mode) {
  return farm.node({ nodeId, args: ['--redis', redis.url, '--backplane', mode], env: { FARMCHAT_REDIS_PASSWORD: redis.password } });
}

// What the page shows for the message with this text.
function shown(page, text) {
  return page.evaluate((t) => {
    const li = [...document.querySelectorAll('#messages li')].find((x) => x.querySelector('.text').textContent === t);
    if (!li) return null;
    return {
      from: li.querySelector('.from').textContent,
      badges: [...li.querySelectorAll('.badge')].map((b) => `${b.className}: ${b.textContent}`),
      crossed: li.classList.contains('crossed'),
      stale: li.classList.contains('stale'),
      warning: li.querySelector('.warning')?.textContent ?? null,
    };
  }, text);
}

describe('the web chat page on a farm with a Redis backplane', () => {
  const farm = new Farm('backplane');
  let browser;
  before(async () => { browser = await farm.browser(); });
  after(() => farm.close());

  it('pubsub: marks messages from the other node, warns while Redis is down, recovers', async () => {
    let redis = await farm.redis();
    const [a, b] = await Promise.all([backplaneNode(farm, redis, 'node-a', 'pubsub'), backplaneNode(farm, redis, 'node-b', 'pubsub')]);
    await Promise.all([redisConnected(a, true), redisConnected(b, true)]);
    const ada = await openPage(browser, a, 'Ada');
    const grace = await openPage(browser, b, 'Grace');
    const client = await farm.client(b);
    await client.invoke('SetName', 'node.js on node-b');

    await sendFromPage(ada.page, 'Hello from a browser on node-a');
    await waitForText(grace.page, 'Hello from a browser on node-a');
    const atGrace = await shown(grace.page, 'Hello from a browser on node-a');
    assert.deepEqual(atGrace, {
      from: 'Ada', badges: ['badge origin other: node-a', 'badge via: via pubsub'], crossed: true, stale: false, warning: null,
    });
    const atClient = await client.waitForMessage((x) => x.text === 'Hello from a browser on node-a', 'the page message on node-b');
    assert.equal(atClient.via, 'pubsub');
    assert.equal(atClient.node, 'node-a');

    await sendFromPage(grace.page, 'Hi Ada! This crossed over Redis.');
    await waitForText(ada.page, 'Hi Ada! This crossed over Redis.');
    await client.invoke('Send', 'A Node.js client on node-b says hi too.');
    await waitForText(ada.page, 'A Node.js client on node-b says hi too.');
    const own = await shown(ada.page, 'Hello from a browser on node-a');
    assert.deepEqual(own.badges, ['badge origin: node-a'], 'a local message got a backplane marker');
    assert.equal(own.crossed, false);
    await screenshots(farm, ada.page, 'pubsub', { forDocs: true });

    // Redis goes away: the page's message stays on its node, and the page says so.
    await redis.stop();
    await redisConnected(a, false);
    await sendFromPage(ada.page, 'Sent while Redis is down');
    await waitForText(ada.page, 'Sent while Redis is down');
    await ada.page.waitForFunction(() => document.querySelector('#messages .warning') !== null, null, { timeout: TIMEOUT });
    const warned = await shown(ada.page, 'Sent while Redis is down');
    assert.ok(warned.warning, 'no delivery warning on the message');
    assert.match(await ada.page.textContent('#notice'), /Delivery warning/);
    await screenshots(farm, ada.page, 'pubsub-redis-down');

    // Redis comes back: the nodes reconnect and messages cross again.
    redis = await farm.redis(redis);
    await Promise.all([redisConnected(a, true), redisConnected(b, true)]);
    await sendFromPage(ada.page, 'Redis is back');
    await waitForText(grace.page, 'Redis is back');
    assert.equal(await shown(grace.page, 'Sent while Redis is down'), null, 'pubsub delivered a message sent while Redis was down');
  });

  it('streams: a Redis that comes back empty makes the page reload the room', async () => {
    let redis = await farm.redis();
    const node = await backplaneNode(farm, redis, 'node-s', 'streams');
    await redisConnected(node, true);
    const { page, errors } = await openPage(browser, node, 'Lin');
    await sendFromPage(page, 'before Redis restarts');
    await waitForText(page, 'before Redis restarts');
    assert.equal((await shown(page, 'before Redis restarts')).badges.at(-1), 'badge via: via streams');

    await redis.stop();
    await redisConnected(node, false);
    redis = await farm.redis(redis); // same port and password, no data
    await page.waitForFunction(() => /history of lobby was reset/.test(document.getElementById('notice').textContent),
      null, { timeout: 30000 });
    await redisConnected(node, true);

    await sendFromPage(page, 'after the reset');
    await waitForText(page, 'after the reset');
    const after = await shown(page, 'after the reset');
    assert.equal(after.stale, false);
    assert.deepEqual(errors, []);
  });
});
