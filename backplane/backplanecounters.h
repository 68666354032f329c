#pragma once

#include <QMap>
#include <QString>

namespace farmchat {

// What the backplanes count, for the node to expose: the node's metrics are
// one of these (NodeMetrics renders them on /metrics). Backplanes and the
// factory update the fields directly and know nothing else of the node.
struct BackplaneCounters
{
    qint64 backplanePublished = 0;
    qint64 backplaneReceived = 0;
    QMap<QString, qint64> backplaneDropped; // by reason: publish_failed, gap, outbox_full, ...
    qint64 backplaneErrors = 0;
    // Messages sent whose answer never came (deadline passed, or the link
    // dropped). pubsub: other nodes may or may not have them; receivers count
    // what they really missed as backplaneDropped{gap}. streams: sent again,
    // so the stream may hold two entries of one (readers keep the first).
    qint64 backplaneUnconfirmed = 0;
    // Streams with WAIT: messages Redis took but fewer replicas than asked
    // confirmed in time; each sender was warned.
    qint64 backplaneUnreplicated = 0;
    QMap<QString, qint64> redisReconnects; // by link: commands, subscriber, reader
    qint64 outboxDepth = 0; // streams: messages waiting for Redis
};

} // namespace farmchat
