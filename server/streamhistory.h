#pragma once

#include "server/backplane.h"

namespace farmchat {

class RedisConnection;

// History in streams mode, farm-wide from the room's stream: XRANGE
// (afterId + COUNT limit, or with no (or no stream) afterId the latest `limit`
// via XREVRANGE; oldest first either way, one copy per uid. `done` is called
// exactly once, also when the link fails.
void readStreamHistory(RedisConnection &link, const QByteArray &streamKey, const QString &room,
    const QString &afterId, int limit, Backplane::HistoryDone done);

} // namespace farmchat
