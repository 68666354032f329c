#pragma once

#include "redis/redisvalue.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>

namespace farmchat {

// The channels of a subscriber RedisConnection: how many users asked for each
// (a switch briefly has two backplanes on one link), which ones Redis has
// confirmed on the current link, and what each pub/sub frame means. Sharded
// (Redis Cluster, SSUBSCRIBE): only the s-frames count, see RedisConnection.
class RedisSubscriptions
{
public:
    explicit RedisSubscriptions(bool sharded = false) : m_sharded(sharded) { }

    struct Event
    {
        // Dropped: the server ended a sharded subscription we still want
        // (its slot moved to another shard).
        enum class Kind { None, Message, Subscribed, Dropped, Malformed };
        Kind kind = Kind::None;
        QByteArray channel;
        QByteArray payload; // Message
        QString error; // Malformed
    };

    // True when the channel is new and must be SUBSCRIBEd.
    bool add(const QByteArray &channel);
    // True when its last user left and it must be UNSUBSCRIBEd.
    bool remove(const QByteArray &channel);
    QList<QByteArray> channels() const { return m_users.keys(); }
    bool isWanted(const QByteArray &channel) const { return m_users.contains(channel); }
    bool isConfirmed(const QByteArray &channel) const { return m_confirmed.contains(channel); }
    // The link ended: nothing is confirmed any more.
    void reset() { m_confirmed.clear(); }

    // One frame from Redis: ["message", channel, payload],
    // ["subscribe", channel, count], ["unsubscribe", channel, count]; when
    // sharded, "smessage", "ssubscribe" and "sunsubscribe" instead.
    // Subscribed comes once per channel and link; frames for channels nobody
    // wants (a late message after UNSUBSCRIBE, the probe channel) are None.
    Event handle(const RedisValue &frame);

private:
    bool m_sharded = false;
    QHash<QByteArray, int> m_users;
    QSet<QByteArray> m_confirmed;
};

} // namespace farmchat
