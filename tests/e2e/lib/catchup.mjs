// An official SignalR client that catches up through History after each
// reconnect, as the FarmChat clients do, and counts what it got: every
// message id seen (live or from History) and how often each arrived live.
// History reads the stream itself, so it can hold an entry the new node's
// reader has not delivered yet; that entry's live copy then arrives second.
// Only a second *live* copy is a duplicate.
export class CatchUpClient {
  constructor(connection, room = 'lobby') {
    this.connection = connection;
    this.room = room;
    this.live = new Map(); // message id -> live receipts
    this.seen = new Set(); // message ids received, live or from History
    this.texts = new Set();
    this.lastSeenId = null;
    this.catchingUp = false;
    this.fromHistory = 0;
    this.reconnects = 0;
    this.reconnectedAt = 0;
    connection.on('messageReceived', (m) => this.receive(m, false));
    // The cursor stays where the lost connection left it: messages the new
    // node delivers before onreconnected runs must not move it past the gap.
    connection.onreconnecting(() => { this.catchingUp = true; });
    connection.onreconnected(() => {
      this.reconnects += 1;
      this.reconnectedAt = Date.now();
      return this.catchUp();
    });
  }

  receive(m, fromHistory) {
    if (!fromHistory) this.live.set(m.id, (this.live.get(m.id) ?? 0) + 1);
    if (this.seen.has(m.id)) return;
    this.seen.add(m.id);
    this.texts.add(m.text);
    if (fromHistory) this.fromHistory += 1;
    if (!this.catchingUp) this.lastSeenId = m.id; // stream ids: a farm-wide cursor
  }

  async catchUp() {
    this.catchingUp = true;
    let after = this.lastSeenId;
    for (let page = 0; page < 50; page += 1) {
      const messages = await this.connection.invoke('History', this.room, after, 1000);
      for (const m of messages) this.receive(m, true);
      if (messages.length) after = messages[messages.length - 1].id;
      if (messages.length < 1000) break;
    }
    this.lastSeenId = after;
    this.catchingUp = false;
  }

  get duplicated() {
    let extra = 0;
    for (const n of this.live.values()) extra += n - 1;
    return extra;
  }
}
