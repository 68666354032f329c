'use strict';
// The node's web chat page: a SignalR JSON hub protocol v1 client written
// directly on WebSocket (no library, no build step, nothing fetched from
// elsewhere), so any browser pointed at a node is one more chat client.
// Everything a user or another client wrote is put on screen with textContent.
(() => {
  const RS = '\x1e'; // record separator ending every hub protocol record
  const PING_EVERY_MS = 15000; // keep-alive we send, as the SignalR clients do
  const SERVER_TIMEOUT_MS = 30000; // nothing heard for this long: the link is dead
  const RETRY_DELAYS_MS = [0, 1000, 2000, 5000, 10000, 20000, 30000];
  const HISTORY_PAGE = 100;
  const HISTORY_MAX_PAGES = 10; // bound on one catch-up
  const MAX_RECORD_CHARS = 1 << 20;
  const LOBBY = 'lobby';

  // One hub connection that reconnects by itself with back-off.
  class HubConnection {
    constructor(path, events) {
      this.path = path;
      this.events = events; // onState(state, detail), onConnected(), onInvocation(target, args)
      this.ws = null;
      this.ready = false;
      this.stopped = false;
      this.pending = new Map();
      this.nextInvocationId = 1;
      this.attempt = 0;
      this.buffer = '';
      this.timers = { ping: 0, timeout: 0, retry: 0 };
    }

    start() {
      this.stopped = false;
      this.attempt = 0;
      clearTimeout(this.timers.retry);
      this.connect();
    }

    async connect() {
      this.timers.retry = 0;
      this.events.onState('connecting', '');
      let token;
      try {
        const res = await fetch(`${this.path}/negotiate?negotiateVersion=1`, { method: 'POST', cache: 'no-store' });
        if (!res.ok) throw new Error(`negotiate answered HTTP ${res.status}`);
        const body = await res.json();
        if (body.error) throw new Error(`negotiate refused: ${body.error}`);
        const ws = (body.availableTransports || []).find((t) => t.transport === 'WebSockets');
        if (!ws || !(ws.transferFormats || []).includes('Text')) throw new Error('the node offers no WebSocket text transport');
        token = body.negotiateVersion >= 1 ? body.connectionToken : body.connectionId;
        if (typeof token !== 'string' || !token) throw new Error('negotiate gave no connection token');
      } catch (e) {
        this.retry(e.message);
        return;
      }
      if (this.stopped) return;
      const url = new URL(this.path, location.href);
      url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set('id', token);
      const ws = new WebSocket(url);
      this.ws = ws;
      this.ready = false;
      this.buffer = '';
      ws.onopen = () => {
        ws.send(JSON.stringify({ protocol: 'json', version: 1 }) + RS);
        this.armTimeout();
      };
      ws.onmessage = (ev) => { if (ws === this.ws) this.receive(ev.data); };
      ws.onclose = (ev) => {
        if (ws === this.ws) this.lost(`connection closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`, true);
      };
    }

    receive(data) {
      if (typeof data !== 'string') return this.fail('the node sent a binary frame on the JSON protocol');
      this.armTimeout();
      this.buffer += data;
      const ws = this.ws;
      let end;
      while (ws === this.ws && (end = this.buffer.indexOf(RS)) >= 0) {
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 1);
        let msg;
        try {
          msg = JSON.parse(text);
        } catch {
          return this.fail('the node sent a record that is not JSON');
        }
        if (msg === null || typeof msg !== 'object') return this.fail('the node sent a record that is not an object');
        if (!this.ready) {
          if (msg.error) return this.fail(`handshake refused: ${msg.error}`, false);
          this.ready = true;
          this.attempt = 0;
          this.timers.ping = setInterval(() => this.sendRecord({ type: 6 }), PING_EVERY_MS);
          this.events.onState('connected', '');
          this.events.onConnected();
          continue;
        }
        this.dispatch(msg);
      }
      if (this.buffer.length > MAX_RECORD_CHARS) this.fail('the node sent an unterminated record');
    }

    dispatch(msg) {
      switch (msg.type) {
        case 1: // Invocation: a client method the node calls
          this.events.onInvocation(String(msg.target || '').toLowerCase(), Array.isArray(msg.arguments) ? msg.arguments : []);
          break;
        case 3: { // Completion of one of our invocations
          const p = this.pending.get(msg.invocationId);
          if (!p) break;
          this.pending.delete(msg.invocationId);
          if (msg.error) p.reject(new Error(msg.error));
          else p.resolve(msg.result);
          break;
        }
        case 6: // Ping: receiving it already re-armed the timeout
          break;
        case 7: // Close: the node says why; it may forbid reconnecting
          this.fail(msg.error ? `the node closed the connection: ${msg.error}` : 'the node closed the connection', msg.allowReconnect !== false);
          break;
        default: // stream items and future types are not used by this hub
          break;
      }
    }

    invoke(target, ...args) {
      if (!this.ready) return Promise.reject(new Error('not connected: try again when the page says Connected'));
      const invocationId = String(this.nextInvocationId++);
      return new Promise((resolve, reject) => {
        this.pending.set(invocationId, { resolve, reject });
        this.sendRecord({ type: 1, invocationId, target, arguments: args });
      });
    }

    sendRecord(record) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(record) + RS);
    }

    armTimeout() {
      clearTimeout(this.timers.timeout);
      this.timers.timeout = setTimeout(() => this.fail(`nothing heard from the node for ${SERVER_TIMEOUT_MS / 1000} s`), SERVER_TIMEOUT_MS);
    }

    // A protocol problem on our side of the link: close it and go on as if it had dropped.
    fail(reason, mayReconnect = true) {
      const ws = this.ws;
      this.lost(reason, mayReconnect);
      if (ws) ws.close(1000);
    }

    lost(reason, mayReconnect) {
      this.ws = null;
      this.ready = false;
      clearInterval(this.timers.ping);
      clearTimeout(this.timers.timeout);
      for (const p of this.pending.values()) p.reject(new Error(`not delivered, ${reason}`));
      this.pending.clear();
      if (this.stopped || !mayReconnect) {
        this.stopped = true;
        this.events.onState('disconnected', reason);
        return;
      }
      this.retry(reason);
    }

    retry(reason) {
      if (this.stopped || this.timers.retry) return;
      const base = RETRY_DELAYS_MS[Math.min(this.attempt, RETRY_DELAYS_MS.length - 1)];
      const delay = base + Math.floor(Math.random() * Math.min(1000, base / 4));
      this.attempt += 1;
      this.events.onState('reconnecting', `${reason}; retrying in ${Math.ceil(delay / 1000)} s`);
      this.timers.retry = setTimeout(() => this.connect(), delay);
    }

    retryNow() {
      if (this.timers.retry) {
        clearTimeout(this.timers.retry);
        this.connect();
      }
    }
  }

  // ---- the page ----
  const $ = (id) => document.getElementById(id);
  const ui = {
    state: $('state'), reconnect: $('reconnect'), nodeId: $('node-id'), backplane: $('backplane'),
    nameForm: $('name-form'), name: $('name'), roomForm: $('room-form'), room: $('room'),
    join: $('join'), leave: $('leave'), notice: $('notice'), messages: $('messages'),
    sendForm: $('send-form'), text: $('text'), send: $('send'),
  };
  const rooms = new Map(); // room name -> { messages: Map id -> entry, order: [entry], unread }
  const warnings = new Map(); // message id -> deliveryWarning text
  let current = LOBBY;
  let myName = localStorage.getItem('farmchat.name') || '';
  let myNode = '';
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

  function roomState(name) {
    let r = rooms.get(name);
    if (!r) {
      r = { messages: new Map(), order: [], unread: 0 };
      rooms.set(name, r);
      renderRooms();
    }
    return r;
  }

  function notify(text) {
    ui.notice.textContent = text;
    ui.notice.hidden = !text;
  }

  function renderRooms() {
    ui.room.replaceChildren(...[...rooms.keys()].map((name) => {
      const unread = rooms.get(name).unread;
      const option = document.createElement('option');
      option.value = name;
      option.textContent = unread ? `${name} (${unread})` : name;
      option.selected = name === current;
      return option;
    }));
    ui.leave.disabled = current === LOBBY;
  }

  function badge(text, className, title) {
    const span = document.createElement('span');
    span.className = `badge ${className}`;
    span.textContent = text;
    span.title = title;
    return span;
  }

  function messageElement(m) {
    const li = document.createElement('li');
    li.className = 'msg';
    li.dataset.id = m.id;
    const meta = document.createElement('div');
    meta.className = 'meta';
    const from = document.createElement('span');
    from.className = 'from';
    from.textContent = m.from;
    meta.append(from, badge(m.node, m.node === myNode ? 'origin' : 'origin other', `sent through node ${m.node}`));
    if (m.via !== 'local') {
      li.classList.add('crossed');
      meta.append(badge(`via ${m.via}`, 'via', `came to this node over the Redis backplane (${m.via})`));
    }
    const time = document.createElement('time');
    const at = new Date(Number(m.sentAt));
    if (!Number.isNaN(at.getTime())) {
      time.dateTime = at.toISOString();
      time.textContent = timeFormat.format(at);
    }
    meta.append(time);
    const text = document.createElement('p');
    text.className = 'text';
    text.textContent = m.text;
    li.append(meta, text);
    if (m.from === myName) li.classList.add('mine');
    return li;
  }

  function showWarning(entry) {
    const text = warnings.get(entry.message.id);
    if (text === undefined || entry.element.querySelector('.warning')) return;
    const warning = document.createElement('p');
    warning.className = 'warning';
    warning.textContent = text;
    entry.element.append(warning);
  }

  function validMessage(m) {
    return m && typeof m === 'object' && typeof m.id === 'string' && m.id && typeof m.room === 'string' && m.room
      && typeof m.text === 'string' && typeof m.from === 'string' && typeof m.node === 'string';
  }

  // Adds or refreshes one message, de-duplicated by id, kept in sentAt order.
  function addMessage(m) {
    if (!validMessage(m)) {
      console.warn('FarmChat: ignored a malformed message from the node', m);
      return;
    }
    const r = roomState(m.room);
    const known = r.messages.get(m.id);
    const entry = { message: { ...m, via: m.via || 'local', sentAt: Number(m.sentAt) || Date.now() }, element: null };
    entry.element = messageElement(entry.message);
    if (known) {
      if (known.provisional) { // our own send, now confirmed by the node
        known.element.replaceWith(entry.element);
        Object.assign(known, entry, { provisional: false });
        showWarning(known);
      }
      known.element.classList.remove('stale'); // still in the node's history
      return;
    }
    showWarning(entry);
    entry.provisional = !!m.provisional;
    r.messages.set(m.id, entry);
    let i = r.order.length;
    while (i > 0 && r.order[i - 1].message.sentAt > entry.message.sentAt) i -= 1;
    r.order.splice(i, 0, entry);
    if (m.room === current) {
      const next = r.order[i + 1];
      const atBottom = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 40;
      ui.messages.insertBefore(entry.element, next ? next.element : null);
      if (atBottom) entry.element.scrollIntoView({ block: 'end' });
    } else {
      r.unread += 1;
      renderRooms();
    }
  }

  function showRoom(name) {
    current = name;
    const r = roomState(name);
    r.unread = 0;
    ui.messages.replaceChildren(...r.order.map((e) => e.element));
    renderRooms();
    const last = r.order[r.order.length - 1];
    if (last) last.element.scrollIntoView({ block: 'end' });
  }

  // Fetches what this page missed in a room: everything after the last id it
  // holds, or the whole kept history when the node says it started anew.
  function lastHeldId(name) {
    const last = roomState(name).order.filter((e) => !e.provisional).pop();
    return last ? last.message.id : null;
  }

  // `after`: the cursor to page from; by default the last id held now.
  async function catchUp(name, fromStart = false, after = fromStart ? null : lastHeldId(name)) {
    for (let page = 0; page < HISTORY_MAX_PAGES; page += 1) {
      const batch = await hub.invoke('History', name, after, HISTORY_PAGE);
      if (!Array.isArray(batch) || batch.length === 0) return;
      batch.forEach(addMessage);
      if (batch.length < HISTORY_PAGE || !validMessage(batch[batch.length - 1])) return;
      after = batch[batch.length - 1].id;
    }
  }

  // The node may announce a reset a moment before it can serve the new
  // history, so a failed reload is tried again a few times.
  function reload(name, attempt) {
    catchUp(name, true).catch((e) => {
      if (attempt < 5 && rooms.has(name)) setTimeout(() => reload(name, attempt + 1), 1000 * (attempt + 1));
      else notify(`Could not reload ${name}: ${e.message}`);
    });
  }

  function onConnected() {
    notify('');
    ui.text.disabled = false;
    ui.send.disabled = false;
    fetch('/health', { cache: 'no-store' }).then((res) => res.json()).then((h) => {
      myNode = String(h.node || '');
      ui.nodeId.textContent = myNode || '?';
      // Messages may have arrived before this answer: fix their origin badges.
      for (const r of rooms.values()) {
        for (const e of r.order) e.element.querySelector('.origin').classList.toggle('other', e.message.node !== myNode);
      }
      ui.backplane.textContent = h.backplane ? `backplane: ${h.backplane}` : '';
    }).catch(() => { ui.nodeId.textContent = '?'; });
    // Where each room stood when the connection was lost, taken now: live
    // messages that arrive before the catch-up runs must not move the cursor
    // past what was missed.
    const cursors = [...rooms.keys()].map((name) => [name, lastHeldId(name)]);
    const setup = myName ? [hub.invoke('SetName', myName)] : [];
    for (const name of rooms.keys()) if (name !== LOBBY) setup.push(hub.invoke('JoinRoom', name));
    Promise.all(setup)
      .then(() => Promise.all(cursors.map(([name, after]) => catchUp(name, false, after))))
      .catch((e) => notify(`Could not restore the session: ${e.message}`));
  }

  function onState(state, detail) {
    ui.state.dataset.state = state;
    const label = { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting', disconnected: 'Disconnected' }[state];
    ui.state.textContent = detail ? `${label}: ${detail}` : label;
    ui.reconnect.hidden = state !== 'disconnected';
    if (state !== 'connected') {
      ui.text.disabled = true;
      ui.send.disabled = true;
    }
  }

  function onInvocation(target, args) {
    if (target === 'messagereceived') {
      addMessage(args[0]);
    } else if (target === 'historyreset') {
      // The farm's history restarted (Redis came back empty): what this page
      // holds is kept but dimmed, and the room is fetched from its new start.
      const name = String(args[0] || '');
      if (rooms.has(name)) {
        const r = rooms.get(name);
        for (const e of r.order) e.element.classList.add('stale');
        notify(`The history of ${name} was reset on the server; older messages are dimmed.`);
        reload(name, 0);
      }
    } else if (target === 'deliverywarning') {
      // Sent before the Completion: the message may not be listed yet.
      const [id, text] = args;
      notify(`Delivery warning: ${String(text)}`);
      warnings.set(String(id), String(text));
      if (warnings.size > 1000) warnings.delete(warnings.keys().next().value);
      for (const r of rooms.values()) {
        const e = r.messages.get(String(id));
        if (e) showWarning(e);
      }
    }
  }

  const hub = new HubConnection('/chat', { onState, onConnected, onInvocation });

  ui.nameForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = ui.name.value.trim();
    if (!name) return;
    hub.invoke('SetName', name).then(() => {
      myName = name;
      localStorage.setItem('farmchat.name', name);
      notify('');
      ui.name.dataset.saved = name;
    }, (e) => notify(`Name not set: ${e.message}`));
  });

  ui.roomForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = ui.join.value.trim();
    if (!name) return;
    hub.invoke('JoinRoom', name).then(() => {
      ui.join.value = '';
      roomState(name);
      showRoom(name);
      return catchUp(name);
    }).catch((e) => notify(`Could not join ${name}: ${e.message}`));
  });

  ui.room.addEventListener('change', () => showRoom(ui.room.value));

  ui.leave.addEventListener('click', () => {
    const name = current;
    if (name === LOBBY) return;
    hub.invoke('LeaveRoom', name).then(() => {
      rooms.delete(name);
      showRoom(LOBBY);
    }, (e) => notify(`Could not leave ${name}: ${e.message}`));
  });

  ui.sendForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = ui.text.value;
    if (!text.trim()) return;
    const room = current;
    ui.send.disabled = true;
    // The text stays in the box until the node confirms it: nothing is lost silently.
    hub.invoke('SendToRoom', room, text).then((id) => {
      if (ui.text.value === text) ui.text.value = '';
      if (!warnings.has(String(id))) notify('');
      addMessage({ id: String(id), room, from: myName || '(you)', text, node: myNode, sentAt: Date.now(), via: 'local', provisional: true });
    }, (e) => notify(`Not sent: ${e.message}`)).finally(() => {
      ui.send.disabled = !hub.ready;
      ui.text.focus();
    });
  });

  ui.reconnect.addEventListener('click', () => hub.start());
  window.addEventListener('online', () => hub.retryNow());

  ui.name.value = myName;
  roomState(LOBBY);
  showRoom(LOBBY);
  hub.start();
})();
