// The subscriber role of a RedisConnection: the channels kept subscribed
// across reconnects, sharded channels (SSUBSCRIBE) on a cluster node, and
// the pub/sub frames Redis sends. Kept apart from the link's life cycle in
// redisconnection.cpp.
#include "redis/redisconnection.h"

#include "redis/hirediscommand_p.h"
#include "redis/hiredisreply.h"

#include <QLoggingCategory>

#include <hiredis/async.h>

Q_DECLARE_LOGGING_CATEGORY(lcRedis)

namespace farmchat {

namespace {

constexpr int kSubscribeBatch = 500; // channels per SUBSCRIBE after a reconnect
// hiredis 0.14 keeps a record of every SSUBSCRIBE / SUNSUBSCRIBE on a
// subscribed link until the link ends (it waits for an answer that is not a
// pub/sub frame, which never comes). Past this many since the link was made
// (its first subscriptions not counted) the link is made anew.
constexpr int kMaxShardedCommandsPerLink = 100000;

} // namespace

void RedisConnection::resubscribeAll()
{
    QList<QByteArray> channels {m_options.probeChannel};
    for (const QByteArray &channel : m_subscriptions.channels()) {
        channels << channel;
        if (channels.size() >= kSubscribeBatch) {
            sendSubscription("SUBSCRIBE", channels);
            channels.clear();
        }
    }
    if (!channels.isEmpty())
        sendSubscription("SUBSCRIBE", channels);
    // Only the churn after this counts toward kMaxShardedCommandsPerLink:
    // the records of these grow with the rooms, not with time, and counting
    // them would renew a link holding that many rooms over and over.
    m_shardedCommands = 0;
    if (m_options.sharded) {
        // One per channel: channels of different slots in one SSUBSCRIBE are refused.
        for (const QByteArray &channel : m_subscriptions.channels())
            sendSubscription("SSUBSCRIBE", {channel});
    }
}

bool RedisConnection::sendSubscription(const char *verb, const QList<QByteArray> &channels)
{
    if (!m_context)
        return false;
    QList<QByteArray> arguments {QByteArray(verb)};
    arguments << channels;
    // Every channel shares one callback: hiredis 0.14 hands frames it cannot
    // match to the last callback it ran, which is then still ours.
    return sendHiredisCommand(m_context, &RedisConnection::onSubscriptionFrame, nullptr, arguments)
        == REDIS_OK;
}

void RedisConnection::subscribe(const QByteArray &channel)
{
    if (m_options.role != RedisConnectionOptions::Role::Subscriber || channel.isEmpty()) {
        qCWarning(lcRedis) << "subscribe() needs a subscriber connection and a channel";
        return;
    }
    if (!m_subscriptions.add(channel) || m_state != State::Ready)
        return;
    // Sharded: hiredis 0.14 finds the callback of a pub/sub frame by its
    // channel among the SUBSCRIBEd ones only, and drops an "smessage" for a
    // channel it does not know. So each sharded channel is also SUBSCRIBEd
    // (an alias nobody publishes to; RedisSubscriptions ignores its frames).
    sendSubscription("SUBSCRIBE", {channel});
    if (m_options.sharded)
        sendSharded("SSUBSCRIBE", channel);
}

void RedisConnection::unsubscribe(const QByteArray &channel)
{
    if (!m_subscriptions.remove(channel) || m_state != State::Ready)
        return;
    if (m_options.sharded)
        sendSharded("SUNSUBSCRIBE", channel);
    sendSubscription("UNSUBSCRIBE", {channel});
}

void RedisConnection::forgetMovedChannel(const QByteArray &channel)
{
    while (m_subscriptions.isWanted(channel))
        m_subscriptions.remove(channel);
    if (m_state == State::Ready)
        sendSubscription("UNSUBSCRIBE", {channel}); // the alias only
}

void RedisConnection::sendSharded(const char *verb, const QByteArray &channel)
{
    if (++m_shardedCommands > kMaxShardedCommandsPerLink) {
        reconnect(QStringLiteral("renewing the link after %1 sharded (un)subscriptions")
                      .arg(kMaxShardedCommandsPerLink));
        return; // the new link subscribes every channel
    }
    sendSubscription(verb, {channel});
}

void RedisConnection::onSubscriptionFrame(redisAsyncContext *context, void *reply, void *)
{
    auto *self = static_cast<RedisConnection *>(context->data);
    if (self && reply)
        self->handleFrame(toRedisValue(static_cast<redisReply *>(reply)));
}

void RedisConnection::handleFrame(const RedisValue &frame)
{
    markAlive(); // the probe's own confirmation is one of these
    const RedisSubscriptions::Event event = m_subscriptions.handle(frame);
    switch (event.kind) {
    case RedisSubscriptions::Event::Kind::Message:
        Q_EMIT message(event.channel, event.payload);
        break;
    case RedisSubscriptions::Event::Kind::Subscribed:
        Q_EMIT subscribed(event.channel);
        break;
    case RedisSubscriptions::Event::Kind::Dropped:
        Q_EMIT channelDropped(event.channel);
        break;
    case RedisSubscriptions::Event::Kind::Malformed:
        closeLink(event.error);
        break;
    case RedisSubscriptions::Event::Kind::None:
        break;
    }
}

} // namespace farmchat
