// The node's own web chat page in a real headless Chromium, chatting with other
// pages and with the official SignalR client from Node.js.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Farm, httpRequest } from './lib/farm.mjs';

const TIMEOUT = 10000;

// Screenshots land next to the build, where a person can look at them.
function artifactsDir(farm) {
  const dir = process.env.FARMCHAT_BINARY_DIR
    ? path.join(process.env.FARMCHAT_BINARY_DIR, 'tests', 'e2e', 'artifacts')
    : path.join(farm.tempDir, 'artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// Opens the page and records anything it requests, logs as an error or throws.
async function openPage(browser, node, name) {
  const page = await browser.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  // Lets a test drop the page's WebSocket the way a network blip would.
  await page.addInitScript(() => {
    const Native = window.WebSocket;
    window.__sockets = [];
    window.WebSocket = class extends Native {
      constructor(...args) { super(...args); window.__sockets.push(this); }
    };
  });
  await page.goto(`${node.url}/`);
  await page.waitForSelector('#state[data-state="connected"]', { timeout: TIMEOUT });
  if (name) {
    await page.fill('#name', name);
    await page.press('#name', 'Enter');
    await page.waitForFunction((n) => document.getElementById('name').dataset.saved === n, name, { timeout: TIMEOUT });
  }
  return { page, requests, errors };
}

async function sendFromPage(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

function waitForText(page, text) {
  return page.waitForFunction(
    (t) => [...document.querySelectorAll('#messages .text')].some((p) => p.textContent === t), text, { timeout: TIMEOUT });
}

function shownTexts(page) {
  return page.evaluate(() => [...document.querySelectorAll('#messages .text')].map((p) => p.textContent));
}

// Light and dark screenshots next to the build; docs/webpage.png once (or on request).
async function screenshots(farm, page) {
  const dir = artifactsDir(farm);
  const light = path.join(dir, 'webpage-light.png');
  await page.screenshot({ path: light });
  const lightBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: 'dark' });
  const darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.screenshot({ path: path.join(dir, 'webpage-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });
  assert.notEqual(darkBackground, lightBackground, 'the page ignores prefers-color-scheme: dark');
  assert.ok(fs.statSync(light).size > 1000, `${light} is not a screenshot`);
  const docs = process.env.FARMCHAT_SOURCE_DIR && path.join(process.env.FARMCHAT_SOURCE_DIR, 'docs', 'webpage.png');
  if (docs && (!fs.existsSync(docs) || process.env.FARMCHAT_UPDATE_SCREENSHOTS === '1')) fs.copyFileSync(light, docs);
}

describe('the web chat page in headless Chromium', () => {
  const farm = new Farm('browser');
  let node;
  let browser;
  before(async () => {
    node = await farm.node({ nodeId: 'node-web' });
    browser = await farm.browser();
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
    await screenshots(farm, a.page);

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
});
