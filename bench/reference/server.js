// Reference node for the FarmChat benchmark: a Socket.IO v4 chat server with
// the same chat semantics as farmchat-node (every socket is in "lobby"; "join"
// adds a room; "chat" broadcasts {id, room, from, text, node, sentAt, via} to
// everyone in the room, the sender included) and the official Redis adapters
// at their documented defaults. bench/run starts several of these.
//
//   node server.js --port 9100 [--adapter off|pubsub|streams|sharded] [--node-id ID]
//   env: REDIS_URL (redis://127.0.0.1:6379), REDIS_PASSWORD (never on argv);
//   sharded: REDIS_CLUSTER (host:port,... of a Redis Cluster's nodes), the
//   adapter's sharded variant (SPUBLISH/SSUBSCRIBE, one channel per room)
'use strict';

const http = require('http');
const { Server } = require('socket.io');
const { createClient, createCluster } = require('redis');
const { createAdapter: createPubSubAdapter, createShardedAdapter } = require('@socket.io/redis-adapter');
const { createAdapter: createStreamsAdapter } = require('@socket.io/redis-streams-adapter');

function parseArgs(argv) {
  const args = { port: null, adapter: null, nodeId: null };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    if (key === '--port') { args.port = Number(value); i++; }
    else if (key === '--adapter') { args.adapter = value; i++; }
    else if (key === '--node-id') { args.nodeId = value; i++; }
    else { usage(`unknown argument '${key}'`); }
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) usage('--port must be 0..65535');
  args.adapter = args.adapter || (process.env.REDIS_URL ? 'pubsub' : 'off');
  if (!['off', 'pubsub', 'streams', 'sharded'].includes(args.adapter)) usage('--adapter is off, pubsub, streams or sharded');
  if (args.adapter === 'sharded' && !process.env.REDIS_CLUSTER) usage('--adapter sharded needs REDIS_CLUSTER (host:port,...)');
  return args;
}

function usage(message) {
  process.stderr.write(`reference-node: ${message}\n`);
  process.exit(2);
}

const MAX_ROOM = 64;
const MAX_TEXT = 4000;
const validRoom = (r) => typeof r === 'string' && r.trim().length > 0 && r.length <= MAX_ROOM;
const validText = (t) => typeof t === 'string' && t.trim().length > 0 && t.length <= MAX_TEXT;

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const redisClients = [];
  let redisError = '';
  const newRedisClient = () => {
    const client = createClient({ url: process.env.REDIS_URL, password: process.env.REDIS_PASSWORD || undefined });
    client.on('error', (err) => { redisError = String(err && err.message || err); });
    redisClients.push(client);
    return client;
  };

  const httpServer = http.createServer();
  const io = new Server(httpServer);
  if (args.adapter === 'pubsub') {
    const pub = newRedisClient();
    const sub = pub.duplicate();
    sub.on('error', (err) => { redisError = String(err && err.message || err); });
    redisClients.push(sub);
    await Promise.all([pub.connect(), sub.connect()]);
    io.adapter(createPubSubAdapter(pub, sub));
  } else if (args.adapter === 'sharded') {
    const rootNodes = process.env.REDIS_CLUSTER.split(',').map((node) => ({ url: `redis://${node}` }));
    const pub = createCluster({ rootNodes, defaults: { password: process.env.REDIS_PASSWORD || undefined } });
    const sub = pub.duplicate();
    for (const client of [pub, sub]) {
      client.on('error', (err) => { redisError = String(err && err.message || err); });
      redisClients.push(client);
    }
    await Promise.all([pub.connect(), sub.connect()]);
    io.adapter(createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' }));
  } else if (args.adapter === 'streams') {
    const client = newRedisClient();
    await client.connect();
    io.adapter(createStreamsAdapter(client));
  }

  let port = args.port;
  const nodeId = () => args.nodeId || `ref-${port}`;
  let sequence = 0;

  httpServer.on('request', (req, res) => {
    if (req.url === '/health' && req.method === 'GET') {
      const body = JSON.stringify({
        node: nodeId(), port, adapter: args.adapter,
        redisConnected: redisClients.length > 0 && redisClients.every((c) => c.isReady ?? c.isOpen),
        lastRedisError: redisError, clients: io.engine.clientsCount,
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
    } else if (!req.url.startsWith('/socket.io/')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
    }
  });

  io.on('connection', (socket) => {
    socket.join('lobby');
    socket.on('join', (room, ack) => {
      if (!validRoom(room)) {
        if (typeof ack === 'function') ack({ error: 'room name must be 1..64 characters' });
        return;
      }
      socket.join(room);
      if (typeof ack === 'function') ack({ ok: true });
    });
    socket.on('chat', (message, ack) => {
      const room = message && message.room;
      const text = message && message.text;
      if (!validRoom(room) || !validText(text)) {
        if (typeof ack === 'function') ack({ error: 'chat needs {room, text} with a valid room and 1..4000 characters of text' });
        return;
      }
      const id = `${nodeId()}-${++sequence}`;
      io.to(room).emit('chat', { text, room, id, from: socket.id, node: nodeId(), sentAt: Date.now(), via: 'local' });
      if (typeof ack === 'function') ack({ id });
    });
  });

  httpServer.listen(args.port, '127.0.0.1', () => {
    port = httpServer.address().port;
    process.stdout.write(`listening http://127.0.0.1:${port}\n`);
  });
  httpServer.on('error', (err) => {
    process.stderr.write(`reference-node: cannot listen on 127.0.0.1:${args.port}: ${err.message}\n`);
    process.exit(err.code === 'EADDRINUSE' ? 3 : 1);
  });

  const stop = () => {
    io.close();
    Promise.allSettled(redisClients.map((c) => c.quit())).then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`reference-node: ${err && err.stack || err}\n`);
  process.exit(1);
});
