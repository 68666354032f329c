// Bun node for the FarmChat benchmark: FarmChat's hub contract (docs/NODE.md,
// "Hub") in the SignalR JSON protocol v1 on Bun.serve, Bun's built-in
// WebSocket server (uWebSockets). Rooms are uWebSockets topics (ws.subscribe,
// server.publish); with --backplane pubsub, Bun's built-in Redis client
// carries each message to the other nodes over one Redis pub/sub channel.
// Same chat semantics as farmchat-node and bench/reference/server.js: every
// connection is in "lobby", JoinRoom adds a room, SendToRoom delivers
// messageReceived({id, room, from, text, node, sentAt, via}) to everyone in
// the room, the sender included. bench/run starts several of these.
//
//   bun server.js --port 9100 [--backplane off|pubsub] [--node-id ID] [--channel-prefix P]
//   env: REDIS_URL (redis://127.0.0.1:6379/0), REDIS_PASSWORD (never on argv)
import { RedisClient } from 'bun';

const RS = '\x1e'; // SignalR record separator
const MAX_ROOM = 64;
const MAX_NAME = 64;
const MAX_TEXT = 4000;
const MAX_ROOMS = 32;
const MAX_MESSAGE_BYTES = 32768; // farmchat-node's --max-message-bytes
const KEEPALIVE_MS = 15000; // farmchat-node's --keepalive-ms (a SignalR Ping when idle)
const CLIENT_TIMEOUT_S = 30; // farmchat-node's --client-timeout-ms
const TOKEN_TTL_MS = 30000; // an unused negotiate token expires, as in farmchat-node
const KEEPALIVE_TOPIC = '#keepalive'; // room topics are "room:<name>": no clash
const PING_RECORD = JSON.stringify({ type: 6 }) + RS;

function usage(message) {
  process.stderr.write(`bun-node: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { port: null, backplane: null, nodeId: null, prefix: 'farmchat' };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    if (value === undefined && key.startsWith('--')) usage(`${key} needs a value`);
    if (key === '--port') args.port = Number(value);
    else if (key === '--backplane') args.backplane = value;
    else if (key === '--node-id') args.nodeId = value;
    else if (key === '--channel-prefix') args.prefix = value;
    else usage(`unknown argument '${key}'`);
    i++;
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) usage('--port must be 0..65535');
  args.backplane = args.backplane || (process.env.REDIS_URL ? 'pubsub' : 'off');
  if (!['off', 'pubsub'].includes(args.backplane)) {
    usage(`--backplane is off or pubsub, not '${args.backplane}' (this node has no streams backplane)`);
  }
  if (args.nodeId !== null && !/^[A-Za-z0-9._-]{1,64}$/.test(args.nodeId)) {
    usage('--node-id is 1..64 letters, digits, "-", "_" or "."');
  }
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(args.prefix)) usage('--channel-prefix is 1..64 letters, digits or "-_.:"');
  return args;
}

// FarmChat's checks for names, rooms and texts (protocol/chatmessage.cpp): null when fine.
function checkLabel(value, what, max) {
  if (typeof value !== 'string') return `'${what}' must be a string`;
  if (value.length === 0) return `${what} must not be empty`;
  if (value.length > max) return `${what} is longer than ${max} characters`;
  if (value.trim() !== value) return `${what} must not start or end with spaces`;
  if (/[\p{Cc}\p{Cf}]/u.test(value)) return `${what} must not contain control characters`;
  return null;
}

function checkText(text) {
  if (typeof text !== 'string') return "'text' must be a string";
  if (text.trim().length === 0) return 'message text must not be empty';
  return text.length > MAX_TEXT ? `message text is longer than ${MAX_TEXT} characters` : null;
}

// Redis pub/sub between nodes: one channel; a payload is
// "<origin node>\n<room>\n<messageReceived record>", so a node skips what it
// published itself (its own clients already had it) without parsing JSON.
class Backplane {
  constructor(prefix, nodeId) {
    this.channel = `${prefix}:bun:messages`;
    this.nodeId = nodeId;
    this.lastError = '';
    this.malformed = 0; // payloads on the channel that no node wrote
    this.pub = null;
    this.sub = null;
    this.started = false; // before: start() reports the failure itself
    this.stopping = false;
  }

  static redisUrl() {
    const url = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379/0');
    if (process.env.REDIS_PASSWORD) url.password = process.env.REDIS_PASSWORD;
    return url;
  }

  async start(deliver) {
    const url = Backplane.redisUrl();
    const where = `${url.hostname}:${url.port || 6379}`;
    this.pub = new RedisClient(url.toString());
    this.pub.onclose = (err) => this.failed(err, `lost the Redis connection to ${where}`);
    try {
      await this.pub.connect();
      this.sub = await this.pub.duplicate();
      this.sub.onclose = (err) => this.failed(err, `lost the Redis subscriber connection to ${where}`);
      await this.sub.subscribe(this.channel, (payload) => this.received(payload, deliver));
      this.started = true;
    } catch (err) {
      throw new Error(`cannot use Redis at ${where} (password from REDIS_PASSWORD): ${err && err.message || err}`);
    }
  }

  failed(err, what) {
    if (this.stopping) return;
    this.lastError = `${what}: ${err && err.message || err || 'closed'}`;
    if (this.started) process.stderr.write(`bun-node: ${this.lastError}\n`);
  }

  received(payload, deliver) {
    const first = payload.indexOf('\n');
    const second = first > 0 ? payload.indexOf('\n', first + 1) : -1;
    if (second <= first + 1) {
      this.malformed++; // not a node's payload: counted, dropped
      return;
    }
    if (payload.slice(0, first) === this.nodeId) return;
    deliver(payload.slice(first + 1, second), payload.slice(second + 1));
  }

  publish(room, record) {
    this.pub.publish(this.channel, `${this.nodeId}\n${room}\n${record}`).catch((err) =>
      this.failed(err, `PUBLISH to ${this.channel} failed`));
  }

  connected() {
    return Boolean(this.pub && this.sub && this.pub.connected && this.sub.connected);
  }

  close() {
    this.stopping = true;
    for (const client of [this.sub, this.pub]) {
      if (client) client.close();
    }
  }
}

// One hub: the SignalR records of every connection, the rooms as topics.
class Hub {
  constructor(nodeId, backplane) {
    this.nodeId = nodeId;
    this.backplane = backplane;
    this.boot = Date.now().toString(36);
    this.sequence = 0;
    this.users = 0;
    this.clients = 0;
    this.server = null;
  }

  opened(ws) {
    this.clients++;
    ws.data.name = `user-${++this.users}`;
  }

  closed() {
    this.clients--;
  }

  // A text message: records ending with 0x1E; a record may span messages.
  received(ws, message) {
    if (typeof message !== 'string') return this.closeWith(ws, 1003, 'binary messages are not supported: JSON protocol only');
    const data = ws.data.pending + message;
    let start = 0;
    for (let end = data.indexOf(RS); end !== -1 && ws.readyState === 1; end = data.indexOf(RS, start)) {
      const record = data.slice(start, end);
      start = end + 1;
      if (ws.data.handshaken) this.record(ws, record);
      else this.handshake(ws, record);
    }
    ws.data.pending = data.slice(start);
    if (ws.data.pending.length > MAX_MESSAGE_BYTES) this.closeWith(ws, 1009, 'record larger than 32768 bytes');
  }

  handshake(ws, record) {
    let request;
    try {
      request = JSON.parse(record);
    } catch {
      return this.refuse(ws, 1002, 'handshake is not JSON');
    }
    if (!request || request.protocol !== 'json' || request.version !== 1) {
      return this.refuse(ws, 1000, `unsupported protocol ${JSON.stringify(request && request.protocol)} ` +
        `version ${JSON.stringify(request && request.version)}: only json version 1`);
    }
    ws.data.handshaken = true;
    ws.send('{}' + RS);
    ws.subscribe(KEEPALIVE_TOPIC);
    ws.subscribe('room:lobby');
  }

  refuse(ws, code, error) {
    ws.send(JSON.stringify({ error }) + RS);
    ws.close(code, 'handshake refused');
  }

  closeWith(ws, code, error) {
    // The detail (which may quote the client) goes in the Close record; the
    // WebSocket close reason stays a fixed ASCII text within its 123 bytes.
    ws.send(JSON.stringify({ type: 7, error }) + RS);
    ws.close(code, code === 1002 ? 'protocol error' : 'closed with an error');
  }

  record(ws, text) {
    let m;
    try {
      m = JSON.parse(text);
    } catch {
      return this.closeWith(ws, 1002, 'malformed JSON record');
    }
    switch (m && m.type) {
      case 1: return this.invoke(ws, m);
      case 6: return undefined; // Ping: the frame itself kept the connection alive
      case 7: return ws.close(1000, 'client closed');
      default: return this.closeWith(ws, 1002, `unsupported message type ${JSON.stringify(m && m.type)}`);
    }
  }

  invoke(ws, m) {
    const id = typeof m.invocationId === 'string' ? m.invocationId : null;
    const args = Array.isArray(m.arguments) ? m.arguments : [];
    const target = typeof m.target === 'string' ? m.target : '';
    let outcome;
    try {
      outcome = { result: this.call(ws, target, args) };
    } catch (err) {
      outcome = { error: err.message };
    }
    if (id === null) return;
    const completion = { type: 3, invocationId: id };
    if (outcome.error !== undefined) completion.error = outcome.error;
    else if (outcome.result !== undefined) completion.result = outcome.result;
    ws.send(JSON.stringify(completion) + RS);
  }

  call(ws, target, args) {
    const method = METHODS.get(target.toLowerCase());
    if (!method) throw new Error(`unknown method '${target}'`);
    if (args.length !== method.params.length) {
      throw new Error(`${method.name} expects ${method.params.length} argument${method.params.length === 1 ? '' : 's'} ` +
        `(${method.params.join(', ')}), got ${args.length}`);
    }
    return method.run(this, ws, ...args);
  }

  check(method, why) {
    if (why) throw new Error(`${method}: ${why}`);
  }

  join(ws, room) {
    this.check('JoinRoom', checkLabel(room, 'room name', MAX_ROOM));
    const rooms = ws.data.rooms;
    if (rooms.has(room)) return undefined;
    this.check('JoinRoom', rooms.size >= MAX_ROOMS && `a connection may be in at most ${MAX_ROOMS} rooms`);
    rooms.add(room);
    ws.subscribe(`room:${room}`);
    return undefined;
  }

  leave(ws, room) {
    this.check('LeaveRoom', room === 'lobby' && "every connection stays in 'lobby'");
    this.check('LeaveRoom', checkLabel(room, 'room name', MAX_ROOM));
    if (ws.data.rooms.delete(room)) ws.unsubscribe(`room:${room}`);
    return undefined;
  }

  send(ws, method, room, text) {
    this.check(method, checkLabel(room, 'room name', MAX_ROOM) || checkText(text));
    const message = { id: `${this.nodeId}:${this.boot}:${++this.sequence}`, room, from: ws.data.name, text,
      node: this.nodeId, sentAt: Date.now(), via: 'local' };
    this.deliver(room, messageRecord(message));
    if (this.backplane) {
      message.via = 'pubsub';
      this.backplane.publish(room, messageRecord(message));
    }
    return message.id;
  }

  deliver(room, record) {
    this.server.publish(`room:${room}`, record);
  }

  keepAlive() {
    this.server.publish(KEEPALIVE_TOPIC, PING_RECORD);
  }
}

function messageRecord(message) {
  return `{"type":1,"target":"messageReceived","arguments":[${JSON.stringify(message)}]}${RS}`;
}

// The hub methods (protocol/hubcontract.h), by lower-case name: SignalR
// matches names without regard to case.
const METHODS = new Map([
  { name: 'Send', params: ['text'], run: (hub, ws, text) => hub.send(ws, 'Send', 'lobby', text) },
  { name: 'SendToRoom', params: ['room', 'text'], run: (hub, ws, room, text) => hub.send(ws, 'SendToRoom', room, text) },
  { name: 'JoinRoom', params: ['room'], run: (hub, ws, room) => hub.join(ws, room) },
  { name: 'LeaveRoom', params: ['room'], run: (hub, ws, room) => hub.leave(ws, room) },
  {
    name: 'SetName', params: ['name'],
    run: (hub, ws, name) => { hub.check('SetName', checkLabel(name, 'name', MAX_NAME)); ws.data.name = name; },
  },
  { name: 'WhoAmI', params: [], run: (hub, ws) => ({ node: hub.nodeId, connectionId: ws.data.id, name: ws.data.name }) },
].map((m) => [m.name.toLowerCase(), m])); // a Map: no inherited names

// Negotiate tokens (POST /chat/negotiate): each redeemable once, for 30 s.
class Tokens {
  constructor() {
    this.issued = new Map();
  }

  issue(version) {
    const connectionId = crypto.randomUUID();
    const token = version >= 1 ? crypto.randomUUID() : connectionId;
    this.issued.set(token, { connectionId, expires: Date.now() + TOKEN_TTL_MS });
    return { connectionId, token };
  }

  redeem(token) {
    const entry = this.issued.get(token);
    this.issued.delete(token);
    return entry && entry.expires > Date.now() ? entry.connectionId : null;
  }

  prune() {
    const now = Date.now();
    for (const [token, entry] of this.issued) {
      if (entry.expires <= now) this.issued.delete(token);
    }
  }
}

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function negotiate(url, tokens) {
  const version = Number(url.searchParams.get('negotiateVersion') || 0);
  const { connectionId, token } = tokens.issue(version);
  const body = { negotiateVersion: version >= 1 ? 1 : 0, connectionId,
    availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text'] }] };
  if (version >= 1) body.connectionToken = token;
  return json(200, body);
}

function upgrade(req, url, server, tokens, nodeId) {
  if ((req.headers.get('upgrade') || '').toLowerCase() !== 'websocket') {
    return json(400, { error: '/chat takes a WebSocket upgrade (or POST /chat/negotiate)' });
  }
  const token = url.searchParams.get('id');
  let id = crypto.randomUUID();
  if (token) {
    id = tokens.redeem(token);
    if (!id) {
      return json(404, { error: `No Connection with that ID: ${nodeId} did not issue it, or it was used or expired` });
    }
  }
  const data = { id, name: '', rooms: new Set(['lobby']), handshaken: false, pending: '' };
  return server.upgrade(req, { data }) ? undefined : json(400, { error: 'WebSocket upgrade failed' });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let port = args.port;
  const nodeId = () => args.nodeId || `bun-${port}`;
  const backplane = args.backplane === 'pubsub' ? new Backplane(args.prefix, args.nodeId || `bun-${process.pid}`) : null;
  const hub = new Hub(args.nodeId || '', backplane);
  const tokens = new Tokens();
  // Subscribed before "listening": no client can send before the channel is confirmed.
  if (backplane) await backplane.start((room, record) => hub.deliver(room, record));

  let server;
  try {
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: args.port,
      fetch(req, srv) {
        const url = new URL(req.url);
        if (url.pathname === '/health' && req.method === 'GET') {
          return json(200, { status: 'ok', node: nodeId(), port, backplane: args.backplane,
            redisConnected: backplane ? backplane.connected() : false,
            lastRedisError: backplane ? backplane.lastError : '',
            malformedBackplanePayloads: backplane ? backplane.malformed : 0, clients: hub.clients });
        }
        if (url.pathname === '/chat/negotiate') {
          return req.method === 'POST' ? negotiate(url, tokens) : json(405, { error: 'negotiate takes POST' });
        }
        if (url.pathname === '/chat') return upgrade(req, url, srv, tokens, nodeId());
        return json(404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
      },
      websocket: {
        maxPayloadLength: MAX_MESSAGE_BYTES,
        idleTimeout: CLIENT_TIMEOUT_S,
        open: (ws) => hub.opened(ws),
        message: (ws, message) => hub.received(ws, message),
        close: () => hub.closed(),
      },
    });
  } catch (err) {
    process.stderr.write(`bun-node: cannot listen on 127.0.0.1:${args.port}: ${err && err.message || err}\n`);
    process.exit(err && err.code === 'EADDRINUSE' ? 3 : 1);
  }
  port = server.port;
  hub.nodeId = nodeId();
  if (backplane) backplane.nodeId = hub.nodeId;
  hub.server = server;
  const timer = setInterval(() => { hub.keepAlive(); tokens.prune(); }, KEEPALIVE_MS);
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);

  const stop = () => {
    clearInterval(timer);
    server.stop(true);
    if (backplane) backplane.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`bun-node: ${err && err.message || err}\n`);
  process.exit(1);
});
