#pragma once

#include "backplane/backplane.h"

namespace farmchat {

class RedisConnection;

// History in streams mode, farm-wide from the room's stream, with the node's
// ring-buffer semantics (MessageHistory::after): a forward cursor. XRANGE
// (afterId + COUNT limit; with no afterId, or one that is no stream id (e.g.
// from another mode), from the oldest entry kept: XRANGE - + COUNT limit.
// Oldest first, one copy per uid. `done` is called exactly once, also when
// the link fails.
void readStreamHistory(RedisConnection &link, const QByteArray &streamKey, const QString &room,
    const QString &afterId, int limit, Backplane::HistoryDone done);

} // namespace farmchat
