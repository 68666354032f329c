// The node's own web chat page in a real headless Chromium, chatting with other
// pages and with the official SignalR client from Node.js.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Farm, httpRequest } from './lib/farm.mjs';
import { TIMEOUT, openPage, screenshots, sendFromPage, shownTexts, waitForText } from './lib/page.mjs';

describe('the web chat page in headless Chromium', () => {
  const farm = new Farm('browser');
  let node;
  let browser;
  let quiet; // a page left alone on its own node, for the keep-alive test at the end
  before(async () => {
    node = await farm.node({ nodeId: 'node-web' });
    browser = await farm.browser();
    const quietNode = await farm.node({ nodeId: 'node-web-quiet' });
    quiet = { node: quietNode, ...(await openPage(browser, quietNode, 'Quiet')), since: Date.now() };
  });
  after(() => farm.close());

  it('is served by the node with its script and style, and works offline', async () => {
    for (const [file, type] of [['/', /text\/html/], ['/app.js', /javascript/], ['/style.css', /text\/css/]]) {
      const res = await httpRequest(`${node.url}${file}`);
      assert.equal(res.status, 200, `GET ${file}: ${res.text.slice(0, 200)}`);
      assert.match(res.headers['content-type'] || '', type, `GET ${file}`);
    }
    const { page, requests, errors } = await openPage(browser, node);
    await page.waitForFunction(() => document.getElementById('node-id').textContent === 'node-web', null, { timeout: TIMEOUT });
    const foreign = requests.filter((u) => !u.startsWith(node.url) && !u.startsWith('data:'));
    assert.deepEqual(foreign, [], 'the page asked for something outside its node');
    assert.deepEqual(errors, []);
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select')]
      .filter((el) => el.labels.length === 0).map((el) => el.id));
    assert.deepEqual(unlabelled, [], 'form fields without a label');
    await page.close();
  });

  it('sends what a user types to a Node.js SignalR client', async () => {
    const client = await farm.client(node);
    const { page, errors } = await openPage(browser, node, 'Ada');
    await sendFromPage(page, 'hello from the browser');
    const m = await client.waitForMessage((x) => x.text === 'hello from the browser', 'the page message at the Node.js client');
    assert.equal(m.from, 'Ada');
    assert.equal(m.node, 'node-web');
    assert.equal(m.room, 'lobby');
    await waitForText(page, 'hello from the browser');
    assert.equal(await page.inputValue('#text'), '', 'the input was not cleared after a confirmed send');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows what a Node.js client sends as text, never as markup', async () => {
    const client = await farm.client(node);
    const { page, errors } = await openPage(browser, node, 'Grace');
    const payload = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>bold?</b>';
    await client.invoke('SetName', '<i>mallory</i>');
    const id = await client.invoke('Send', payload);
    await page.waitForFunction((i) => [...document.querySelectorAll('#messages li')].some((li) => li.dataset.id === i), id, { timeout: TIMEOUT });
    const shown = await page.evaluate((i) => {
      const li = [...document.querySelectorAll('#messages li')].find((x) => x.dataset.id === i);
      return {
        text: li.querySelector('.text').textContent,
        from: li.querySelector('.from').textContent,
        node: li.querySelector('.badge').textContent,
        markup: document.querySelectorAll('#messages script, #messages img, #messages b, #messages i').length,
        pwned: window.__pwned,
      };
    }, id);
    assert.deepEqual(shown, { text: payload, from: '<i>mallory</i>', node: 'node-web', markup: 0, pwned: undefined });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('catches up from History after its connection drops, without duplicates', async () => {
    const client = await farm.client(node);
    const { page } = await openPage(browser, node, 'Lin');
    const before = await client.invoke('Send', 'before the drop');
    await waitForText(page, 'before the drop');

    // Keep the page from reconnecting while messages go past it.
    await page.route('**/chat/negotiate**', (route) => route.abort());
    await page.evaluate(() => window.__sockets.at(-1).close());
    await page.waitForSelector('#state[data-state="reconnecting"]', { timeout: TIMEOUT });
    const missed = [];
    for (const text of ['missed one', 'missed two']) missed.push(await client.invoke('Send', text));
    await page.unroute('**/chat/negotiate**');

    await page.waitForSelector('#state[data-state="connected"]', { timeout: 20000 });
    await waitForText(page, 'missed one');
    await waitForText(page, 'missed two');
    const ids = await page.evaluate(() => [...document.querySelectorAll('#messages li')].map((li) => li.dataset.id));
    for (const id of [before, ...missed]) assert.equal(ids.filter((x) => x === id).length, 1, `message ${id} shown ${ids.filter((x) => x === id).length} times`);
    await sendFromPage(page, 'after catching up');
    await client.waitForMessage((x) => x.text === 'after catching up', 'a page message after the reconnect');
    await page.close();
  });

  it('shows Reconnecting while its node is down and comes back when it restarts', async () => {
    const own = await farm.node({ nodeId: 'node-web-restart' });
    const { page } = await openPage(browser, own, 'Kim');
    const stopped = await own.stop();
    assert.equal(stopped.code, 0);
    await page.waitForSelector('#state[data-state="reconnecting"]', { timeout: TIMEOUT });
    assert.equal(await page.isDisabled('#send'), true, 'sending stays enabled while disconnected');
    const again = await farm.node({ nodeId: 'node-web-restart', port: own.port });
    await page.waitForSelector('#state[data-state="connected"]', { timeout: 20000 });
    const client = await farm.client(again);
    await sendFromPage(page, 'back after the restart');
    const m = await client.waitForMessage((x) => x.text === 'back after the restart', 'a page message after the restart');
    assert.equal(m.from, 'Kim', 'the page did not restore its name after reconnecting');
    await page.close();
  });

  it('lets two pages chat with each other, in the lobby and in a room', async () => {
    const own = await farm.node({ nodeId: 'node-9090' });
    const a = await openPage(browser, own, 'Ada');
    const b = await openPage(browser, own, 'Grace');
    await sendFromPage(a.page, 'Hi Grace, can you see this?');
    await waitForText(b.page, 'Hi Grace, can you see this?');
    await sendFromPage(b.page, 'Yes! Same node, same lobby.');
    await waitForText(a.page, 'Yes! Same node, same lobby.');

    const client = await farm.client(own);
    await client.invoke('SetName', 'node.js client');
    await client.invoke('Send', 'A Node.js client joins in: <b>not bold</b>');
    await waitForText(a.page, 'A Node.js client joins in: <b>not bold</b>');
    await waitForText(b.page, 'A Node.js client joins in: <b>not bold</b>');
    assert.deepEqual(await shownTexts(a.page), await shownTexts(b.page), 'the two pages show different conversations');
    await screenshots(farm, a.page, 'two-pages');

    // This node is fresh, so no other test's messages are in its rooms.
    for (const { page } of [a, b]) {
      await page.fill('#join', 'tea');
      await page.press('#join', 'Enter');
      await page.waitForFunction(() => document.getElementById('room').value === 'tea', null, { timeout: TIMEOUT });
    }
    await client.invoke('JoinRoom', 'tea');
    await sendFromPage(a.page, 'Tea in this room?');
    await waitForText(b.page, 'Tea in this room?');
    await client.invoke('SendToRoom', 'tea', 'Count me in.');
    await waitForText(a.page, 'Count me in.');
    assert.deepEqual(await shownTexts(b.page), ['Tea in this room?', 'Count me in.'], 'the room shows lobby messages');
    assert.deepEqual(a.errors.concat(b.errors), []);
    await a.page.close();
    await b.page.close();
  });

  it('serves the official SignalR browser client on an allowed foreign origin', async () => {
    // A page of another site (a second HTTP server on loopback: another
    // origin) loads @microsoft/signalr's browser bundle and chats through a
    // node that allows that origin: negotiate over CORS, the WebSocket with
    // its Origin header, Send, and a message back.
    const bundle = path.join(path.dirname(createRequire(import.meta.url).resolve('@microsoft/signalr')),
      '..', 'browser', 'signalr.min.js');
    const site = http.createServer((req, res) => {
      if (req.url === '/signalr.min.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        res.end(fs.readFileSync(bundle));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>another site</title><script src="/signalr.min.js"></script>');
    });
    await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
    try {
      const origin = `http://127.0.0.1:${site.address().port}`;
      const own = await farm.node({ nodeId: 'node-web-cors', args: ['--allowed-origin', origin] });
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`${origin}/`);
      assert.equal(await page.evaluate(() => window.location.origin), origin);
      const client = await farm.client(own);
      const id = await page.evaluate(async (nodeUrl) => {
        window.received = [];
        const connection = new window.signalR.HubConnectionBuilder()
          .withUrl(`${nodeUrl}/chat`)
          .configureLogging(window.signalR.LogLevel.Warning)
          .build();
        connection.on('messageReceived', (m) => { window.received.push(m); });
        await connection.start();
        window.connection = connection;
        await connection.invoke('SetName', 'Foreign');
        return connection.invoke('Send', 'hello from another origin');
      }, own.url);
      const m = await client.waitForMessage((x) => x.text === 'hello from another origin', 'the foreign page message at the Node.js client');
      assert.equal(m.id, id);
      assert.equal(m.from, 'Foreign');
      await client.invoke('Send', 'and back to the foreign page');
      await page.waitForFunction(() => window.received.some((x) => x.text === 'and back to the foreign page'), null, { timeout: TIMEOUT });
      assert.equal(await page.evaluate(() => window.connection.connectionId !== null), true, 'negotiated, not skipped');
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      site.close();
    }
  });

  it('stays connected through a silent half minute: pings go both ways', async () => {
    // The node drops a client silent for 30 s and the page gives up on a node
    // silent for 30 s; only the 15 s pings keep this idle page's socket alive.
    const wait = quiet.since + 33000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const socket = await quiet.page.evaluate(() => ({ count: window.__sockets.length, open: window.__sockets[0].readyState === 1 }));
    assert.deepEqual(socket, { count: 1, open: true }, 'the idle page lost its connection');
    assert.equal(await quiet.page.getAttribute('#state', 'data-state'), 'connected');
    const client = await farm.client(quiet.node);
    await sendFromPage(quiet.page, 'still here after 33 s');
    const m = await client.waitForMessage((x) => x.text === 'still here after 33 s', 'a message from the idle page');
    assert.equal(m.from, 'Quiet');
    assert.deepEqual(quiet.errors, []);
  });
});
