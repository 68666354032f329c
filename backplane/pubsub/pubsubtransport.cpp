#include "backplane/pubsub/pubsubtransport_p.h"

#include "redis/clusterrouter.h"
#include "redis/clusterslot.h"
#include "redis/shardedsubscriber.h"

#include <algorithm>

namespace farmchat {

RedisPubSubTransport::RedisPubSubTransport(
    RedisConnection &commands, RedisConnection &subscriber, QObject *parent)
    : PubSubTransport(parent), m_commands(commands), m_subscriber(subscriber)
{
    connect(&m_subscriber, &RedisConnection::message, this, &PubSubTransport::message);
    connect(&m_subscriber, &RedisConnection::subscribed, this, &PubSubTransport::changed);
    for (RedisConnection *link : {&m_commands, &m_subscriber}) {
        connect(link, &RedisConnection::stateChanged, this, &PubSubTransport::changed);
        connect(link, &RedisConnection::attemptFailed, this, &PubSubTransport::changed);
    }
}

void RedisPubSubTransport::publish(
    const QByteArray &channel, const QByteArray &payload, RedisConnection::ReplyCallback done)
{
    m_commands.command({"PUBLISH", channel, payload}, std::move(done));
}

LinkError RedisPubSubTransport::lastError() const
{
    LinkError newest = m_commands.lastLinkError();
    newest.keepNewest(m_subscriber.lastLinkError());
    return newest;
}

ClusterPubSubTransport::ClusterPubSubTransport(
    ClusterRouter &router, ShardedSubscriber &subscriber, QObject *parent)
    : PubSubTransport(parent), m_router(router), m_subscriber(subscriber)
{
    connect(&m_subscriber, &ShardedSubscriber::message, this, &PubSubTransport::message);
    connect(&m_subscriber, &ShardedSubscriber::subscribed, this, &PubSubTransport::changed);
    connect(&m_subscriber, &ShardedSubscriber::linkStateChanged, this, &PubSubTransport::changed);
    connect(&m_router, &ClusterRouter::slotMapChanged, this, &PubSubTransport::changed);
    connect(&m_router, &ClusterRouter::refreshFailed, this, &PubSubTransport::changed);
}

bool ClusterPubSubTransport::canPublish(const QByteArray &channel) const
{
    return m_router.isSlotReady(clusterKeySlot(channel));
}

void ClusterPubSubTransport::publish(
    const QByteArray &channel, const QByteArray &payload, RedisConnection::ReplyCallback done)
{
    m_router.command({"SPUBLISH", channel, payload}, 1, std::move(done));
}

void ClusterPubSubTransport::subscribe(const QByteArray &channel)
{
    m_subscriber.subscribe(channel);
}

void ClusterPubSubTransport::unsubscribe(const QByteArray &channel)
{
    m_subscriber.unsubscribe(channel);
}

bool ClusterPubSubTransport::isSubscribed(const QByteArray &channel) const
{
    return m_subscriber.isSubscribed(channel);
}

bool ClusterPubSubTransport::isConnected() const
{
    if (!m_subscriber.isReady())
        return false;
    const QList<ClusterRouter::ShardStatus> shards = m_router.shards();
    return std::all_of(shards.cbegin(), shards.cend(), [](const ClusterRouter::ShardStatus &s) {
        return !s.primary || s.state == RedisConnection::State::Ready;
    });
}

QString ClusterPubSubTransport::publishTarget(const QByteArray &channel) const
{
    const std::optional<ClusterNode> owner = m_router.slotMap().primaryFor(clusterKeySlot(channel));
    return owner ? owner->endpoint() : QString();
}

bool ClusterPubSubTransport::isPublishTarget(const QString &target) const
{
    return m_router.slotMap().hasPrimary(target);
}

LinkError ClusterPubSubTransport::lastError() const
{
    LinkError newest = m_subscriber.lastError();
    for (const ClusterRouter::ShardStatus &shard : m_router.shards())
        newest.keepNewest({shard.lastError, shard.lastErrorAtMs});
    return newest;
}

} // namespace farmchat
