// Client-side failover for the official SignalR client, which reconnects
// (withAutomaticReconnect) to the URL it was built with: a WebSocket class
// that sends each connection to one node of a list, and moves on to the next
// node when a connection attempt fails. The first retry after a lost
// connection goes to the same node, as the C++ ChatClient does.
import WebSocket from 'ws';

export function failoverWebSocket(nodeUrls) {
  const state = { index: 0, current: nodeUrls[0] };
  class FailoverWebSocket extends WebSocket {
    constructor(url, protocols, options) {
      const target = new URL(url);
      const node = new URL(nodeUrls[state.index]);
      target.host = node.host; // same path and query (?id=...)
      super(target.toString(), protocols, options);
      state.current = nodeUrls[state.index];
      let opened = false;
      this.once('open', () => { opened = true; });
      this.once('close', () => {
        if (!opened) state.index = (state.index + 1) % nodeUrls.length;
      });
    }
  }
  return { WebSocket: FailoverWebSocket, state };
}
