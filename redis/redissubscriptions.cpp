#include "redis/redissubscriptions.h"

namespace farmchat {

bool RedisSubscriptions::add(const QByteArray &channel)
{
    return m_users[channel]++ == 0;
}

bool RedisSubscriptions::remove(const QByteArray &channel)
{
    const auto it = m_users.find(channel);
    if (it == m_users.end() || --it.value() > 0)
        return false;
    m_users.erase(it);
    m_confirmed.remove(channel);
    return true;
}

RedisSubscriptions::Event RedisSubscriptions::handle(const RedisValue &frame)
{
    using Kind = Event::Kind;
    const auto elements = frame.expectArray("pub/sub frame", 2);
    if (!elements)
        return Event {Kind::Malformed, {}, {}, elements.error()};
    QByteArray kind = elements->at(0).bytes().toLower();
    const QByteArray channel = elements->at(1).bytes();
    // Sharded, the plain frames are those of the alias subscription hiredis
    // needs (RedisConnection::subscribe) and mean nothing.
    const bool shardedFrame = kind == "smessage" || kind == "ssubscribe" || kind == "sunsubscribe";
    if (m_sharded != shardedFrame)
        return {};
    if (shardedFrame)
        kind.remove(0, 1);
    if (kind == "message") {
        if (elements->size() < 3 || !elements->at(2).isString())
            return Event {Kind::Malformed, channel, {},
                QStringLiteral("Redis sent a malformed pub/sub message")};
        if (m_users.contains(channel))
            return Event {Kind::Message, channel, elements->at(2).bytes(), {}};
    } else if (kind == "subscribe") {
        if (m_users.contains(channel) && !m_confirmed.contains(channel)) {
            m_confirmed.insert(channel);
            return Event {Kind::Subscribed, channel, {}, {}};
        }
    } else if (kind == "unsubscribe") {
        m_confirmed.remove(channel);
        if (m_sharded && m_users.contains(channel))
            return Event {Kind::Dropped, channel, {}, {}};
    }
    return {};
}

} // namespace farmchat
