#include "redis/shardedsubscriber.h"

#include "redis/clusterrouter.h"
#include "redis/clusterslot.h"

#include <QSet>

#include <algorithm>

namespace farmchat {

ShardedSubscriber::ShardedSubscriber(
    ClusterRouter &router, RedisConnectionOptions link, QObject *parent)
    : QObject(parent), m_router(router), m_options(std::move(link))
{
    m_options.role = RedisConnectionOptions::Role::Subscriber;
    m_options.sharded = true;
    m_options.url.db = 0;
    m_options.url.unixSocket.clear();
    connect(&router, &ClusterRouter::slotMapChanged, this, &ShardedSubscriber::applyMap);
    if (router.isReady())
        applyMap(router.slotMap());
}

ShardedSubscriber::~ShardedSubscriber() = default;

void ShardedSubscriber::subscribe(const QByteArray &channel)
{
    if (channel.isEmpty() || m_users[channel]++ > 0)
        return;
    place(channel);
}

void ShardedSubscriber::unsubscribe(const QByteArray &channel)
{
    const auto it = m_users.find(channel);
    if (it == m_users.end() || --it.value() > 0)
        return;
    m_users.erase(it);
    if (RedisConnection *link = m_placed.take(channel))
        link->unsubscribe(channel);
}

bool ShardedSubscriber::isSubscribed(const QByteArray &channel) const
{
    const RedisConnection *link = m_placed.value(channel);
    return link && link->isSubscribed(channel);
}

bool ShardedSubscriber::isReady() const
{
    if (!m_router.isReady())
        return false;
    const QList<ClusterNode> primaries = m_router.slotMap().primaries();
    return std::all_of(primaries.cbegin(), primaries.cend(), [this](const ClusterNode &node) {
        const auto it = m_links.find(node.endpoint());
        return it != m_links.end() && it->second->isReady();
    });
}

QString ShardedSubscriber::placement(const QByteArray &channel) const
{
    const RedisConnection *link = m_placed.value(channel);
    if (!link)
        return {};
    return link->options().url.host + u':' + QString::number(link->options().url.port);
}

LinkError ShardedSubscriber::lastError() const
{
    LinkError newest;
    for (const auto &[endpoint, link] : m_links)
        newest.keepNewest(link->lastLinkError());
    return newest;
}

void ShardedSubscriber::applyMap(const ClusterSlotMap &map)
{
    QSet<QString> primaries;
    for (const ClusterNode &node : map.primaries()) {
        linkFor(node);
        primaries.insert(node.endpoint());
    }
    for (auto it = m_users.cbegin(); it != m_users.cend(); ++it)
        place(it.key());
    // A node that serves no slots any more holds no channels now.
    for (const auto &[endpoint, link] : m_links) {
        const bool primary = primaries.contains(endpoint);
        if (!primary && link->state() != RedisConnection::State::Stopped)
            link->stop();
        else if (primary && link->state() == RedisConnection::State::Stopped)
            link->start();
    }
    Q_EMIT linkStateChanged();
}

void ShardedSubscriber::place(const QByteArray &channel)
{
    const std::optional<ClusterNode> owner = m_router.slotMap().primaryFor(clusterKeySlot(channel));
    RedisConnection *target = owner ? linkFor(*owner) : nullptr;
    RedisConnection *current = m_placed.value(channel);
    if (target == current)
        return;
    // The old owner no longer serves the slot (it moved, or the owner died).
    if (current)
        current->forgetMovedChannel(channel);
    if (!target) {
        m_placed.remove(channel); // no owner in the map: placed by the next one
        return;
    }
    m_placed.insert(channel, target);
    target->subscribe(channel);
}

RedisConnection *ShardedSubscriber::linkFor(const ClusterNode &node)
{
    const QString endpoint = node.endpoint();
    if (const auto it = m_links.find(endpoint); it != m_links.end())
        return it->second.get();
    RedisConnectionOptions options = m_options;
    options.url.host = node.host;
    options.url.port = node.port;
    auto link = std::make_unique<RedisConnection>(std::move(options));
    RedisConnection *raw = link.get();
    connect(raw, &RedisConnection::message, this, &ShardedSubscriber::message);
    connect(raw, &RedisConnection::subscribed, this, &ShardedSubscriber::subscribed);
    connect(raw, &RedisConnection::channelDropped, &m_router, &ClusterRouter::refreshSlotMap);
    connect(raw, &RedisConnection::lost, this, &ShardedSubscriber::onLinkLost);
    connect(raw, &RedisConnection::stateChanged, this, &ShardedSubscriber::linkStateChanged);
    connect(raw, &RedisConnection::ready, this, [this, raw] {
        if (raw->reconnects() > 0)
            Q_EMIT linkReconnected();
    });
    connect(raw, &RedisConnection::attemptFailed, this, &ShardedSubscriber::linkStateChanged);
    m_links.emplace(endpoint, std::move(link));
    raw->start();
    return raw;
}

void ShardedSubscriber::onLinkLost(const QString &error)
{
    // A channel of a slot this node no longer owns: read the map, so the
    // channel moves and the link stops being refused.
    if (error.contains(QLatin1String("MOVED")))
        m_router.refreshSlotMap();
    Q_EMIT linkStateChanged();
}

} // namespace farmchat
