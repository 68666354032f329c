// Drives the node's web chat page in Chromium: open it, type, read what it
// shows, take screenshots. Used by the browser tests.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

export const TIMEOUT = 10000;

// Screenshots land next to the build, where a person can look at them.
function artifactsDir(farm) {
  const dir = process.env.FARMCHAT_BINARY_DIR
    ? path.join(process.env.FARMCHAT_BINARY_DIR, 'tests', 'e2e', 'artifacts')
    : path.join(farm.tempDir, 'artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// Opens the page and records anything it requests, logs as an error or throws.
export async function openPage(browser, node, name) {
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
  try {
    await page.waitForSelector('#state[data-state="connected"]', { timeout: TIMEOUT });
  } catch (e) {
    const state = await page.textContent('#state').catch(() => '?');
    throw new Error(`the page on ${node.url} did not connect within ${TIMEOUT} ms: state "${state}", ` +
      `page errors ${JSON.stringify(errors)}; node output:\n${node.output}`);
  }
  if (name) {
    await page.fill('#name', name);
    await page.press('#name', 'Enter');
    await page.waitForFunction((n) => document.getElementById('name').dataset.saved === n, name, { timeout: TIMEOUT });
  }
  return { page, requests, errors };
}

export async function sendFromPage(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

export function waitForText(page, text) {
  return page.waitForFunction(
    (t) => [...document.querySelectorAll('#messages .text')].some((p) => p.textContent === t), text, { timeout: TIMEOUT });
}

export function shownTexts(page) {
  return page.evaluate(() => [...document.querySelectorAll('#messages .text')].map((p) => p.textContent));
}

// Light and dark screenshots (NAME-light.png, NAME-dark.png) next to the
// build; with forDocs, docs/webpage.png too when missing or asked for.
export async function screenshots(farm, page, name, { forDocs = false } = {}) {
  const dir = artifactsDir(farm);
  const light = path.join(dir, `${name}-light.png`);
  await page.screenshot({ path: light });
  const lightBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: 'dark' });
  const darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.screenshot({ path: path.join(dir, `${name}-dark.png`) });
  await page.emulateMedia({ colorScheme: 'light' });
  assert.notEqual(darkBackground, lightBackground, 'the page ignores prefers-color-scheme: dark');
  assert.ok(fs.statSync(light).size > 1000, `${light} is not a screenshot`);
  const docs = forDocs && process.env.FARMCHAT_SOURCE_DIR && path.join(process.env.FARMCHAT_SOURCE_DIR, 'docs', 'webpage.png');
  if (docs && (!fs.existsSync(docs) || process.env.FARMCHAT_UPDATE_SCREENSHOTS === '1')) fs.copyFileSync(light, docs);
}
