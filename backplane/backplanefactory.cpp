#include "backplane/backplanefactory.h"

#include "backplane/backplanecounters.h"
#include "backplane/localbackplane.h"
#include "backplane/pubsub/pubsubbackplane_p.h"
#include "backplane/pubsub/pubsubtransport_p.h"
#include "backplane/streams/clusterstreamsbackplane_p.h"
#include "backplane/streams/streamsbackplane_p.h"
#include "redis/clusterrouter.h"
#include "redis/clustershardlinks.h"
#include "redis/sentinelwatcher.h"
#include "redis/shardedsubscriber.h"

namespace farmchat {

namespace {

StreamsBackplane::Config streamsConfig(const BackplaneSettings &settings)
{
    StreamsBackplane::Config config;
    config.nodeId = settings.nodeId;
    config.channelPrefix = settings.channelPrefix;
    config.history = settings.history;
    config.outboxCapacity = settings.outboxCapacity;
    config.roomIdleTtlMs = settings.roomIdleTtlMs;
    config.waitReplicas = settings.streamWaitReplicas;
    config.waitTimeoutMs = settings.streamWaitTimeoutMs;
    return config;
}

} // namespace

BackplaneFactory::BackplaneFactory(
    BackplaneSettings settings, BackplaneCounters &counters, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)), m_counters(counters)
{
    // Connected from the start, whatever the first mode: a live switch to a
    // Redis mode then carries the very next message (an invalid URL is
    // reported by create()).
    if (!m_settings.redisSentinels.isEmpty()) {
        if (const auto sentinels = parseSentinelList(m_settings.redisSentinels)) {
            SentinelOptions options;
            options.sentinels = sentinels.value();
            options.masterName = m_settings.redisMasterName;
            options.password = m_settings.sentinelPassword;
            options.clientName
                = QStringLiteral("farmchat:%1:sentinel").arg(m_settings.nodeId).replace(u' ', u'_');
            m_sentinel = std::make_unique<SentinelWatcher>(options);
            m_sentinel->start();
        }
    }
    // On a cluster the streams links (two per shard) wait for streams' first use.
    if (hasRedis()) {
        ensureLinks(BackplaneMode::PubSub);
        if (!isCluster())
            ensureLinks(BackplaneMode::Streams);
    }
}

// The backplanes built here hold references to the links: the node destroys
// its backplane before its factory.
BackplaneFactory::~BackplaneFactory() = default;

Result<std::unique_ptr<Backplane>> BackplaneFactory::create(BackplaneMode mode)
{
    using R = Result<std::unique_ptr<Backplane>>;
    if (mode != BackplaneMode::Off) {
        if (const auto links = ensureLinks(mode); !links)
            return R::failure(links.error());
    }
    // One case per backplane, each Redis one in its folder (backplane/pubsub/,
    // backplane/streams/). A new one, say a sharded pub/sub over Redis
    // Cluster, is its folder, its BackplaneMode, its case here and its links
    // in ensureLinks(); -Wswitch points here when the mode has no case.
    switch (mode) {
    case BackplaneMode::Off:
        return std::make_unique<LocalBackplane>();
    case BackplaneMode::PubSub:
        return std::make_unique<PubSubBackplane>(
            PubSubBackplane::Config {m_settings.nodeId, m_settings.channelPrefix}, *m_pubsub,
            m_counters);
    case BackplaneMode::Streams:
        if (isCluster())
            return std::make_unique<ClusterStreamsBackplane>(
                streamsConfig(m_settings), *m_shardLinks, m_counters);
        return std::make_unique<StreamsBackplane>(
            streamsConfig(m_settings), *m_commands, *m_reader, m_counters);
    }
    return R::failure(QStringLiteral("cannot build backplane '%1'").arg(modeName(mode)));
}

Result<void> BackplaneFactory::ensureLinks(BackplaneMode mode)
{
    if (!hasRedis())
        return Result<void>::failure(
            QStringLiteral("no Redis configured (start the node with --redis URL)"));
    if (isCluster())
        return ensureClusterLinks(mode);
    Result<RedisUrl> url = RedisUrl {};
    if (!m_settings.redisSentinels.isEmpty()) {
        if (!m_sentinel)
            return Result<void>::failure(QStringLiteral("invalid --redis-sentinel: ")
                + parseSentinelList(m_settings.redisSentinels).error());
    } else {
        url = RedisUrl::parse(m_settings.redisUrl);
        if (!url)
            return Result<void>::failure(QStringLiteral("invalid Redis URL: ") + url.error());
    }
    // Each link on first use; then kept, so switching back and forth reconnects nothing.
    using Role = RedisConnectionOptions::Role;
    if (!m_commands)
        m_commands = makeLink(url.value(), Role::Commands, QStringLiteral("commands"));
    if (mode == BackplaneMode::PubSub && !m_subscriber) {
        m_subscriber = makeLink(url.value(), Role::Subscriber, QStringLiteral("subscriber"));
        m_pubsub = std::make_unique<RedisPubSubTransport>(*m_commands, *m_subscriber);
    }
    if (mode == BackplaneMode::Streams && !m_reader)
        m_reader = makeLink(url.value(), Role::Commands, QStringLiteral("reader"));
    return {};
}

// A Redis Cluster: the slot router, then per mode: a sharded subscriber link
// per primary (pubsub), or a command and a reader link per shard (streams).
Result<void> BackplaneFactory::ensureClusterLinks(BackplaneMode mode)
{
    const auto seeds = parseEndpointList(m_settings.redisCluster, 6379, QStringLiteral("cluster"));
    if (!seeds)
        return Result<void>::failure(QStringLiteral("invalid --redis-cluster: ") + seeds.error());
    // The shard's anchor must be the keys' only hash tag.
    if (mode == BackplaneMode::Streams
        && (m_settings.channelPrefix.contains(u'{') || m_settings.channelPrefix.contains(u'}')))
        return Result<void>::failure(
            QStringLiteral("streams on a Redis Cluster needs a channel prefix without '{' or "
                           "'}' (a hash tag there would put every room on one shard): '%1'")
                .arg(m_settings.channelPrefix));
    using Role = RedisConnectionOptions::Role;
    if (!m_router) {
        m_router = std::make_unique<ClusterRouter>(seeds.value(),
            linkOptions(seeds->constFirst(), Role::Commands, QStringLiteral("commands")));
        // Counted under the link names a single Redis uses, summed over the shards.
        connect(m_router.get(), &ClusterRouter::linkReconnected, this,
            [this] { ++m_counters.redisReconnects[QStringLiteral("commands")]; });
        m_router->start();
    }
    if (mode == BackplaneMode::PubSub && !m_pubsub) {
        m_sharded = std::make_unique<ShardedSubscriber>(*m_router,
            linkOptions(seeds->constFirst(), Role::Subscriber, QStringLiteral("subscriber")));
        m_pubsub = std::make_unique<ClusterPubSubTransport>(*m_router, *m_sharded);
        connect(m_sharded.get(), &ShardedSubscriber::linkReconnected, this,
            [this] { ++m_counters.redisReconnects[QStringLiteral("subscriber")]; });
    }
    if (mode == BackplaneMode::Streams && !m_shardLinks) {
        m_shardLinks = std::make_unique<ClusterShardLinks>(
            *m_router, linkOptions(seeds->constFirst(), Role::Commands, QStringLiteral("streams")));
        connect(m_shardLinks.get(), &ClusterShardLinks::linkReconnected, this,
            [this](const QString &role) { ++m_counters.redisReconnects[role]; });
    }
    return {};
}

// Every Redis link of the node is made from these options, so a connection
// that finds its server another way (the master through Sentinel) is chosen
// in this one place and every backplane gets it unchanged.
RedisConnectionOptions BackplaneFactory::linkOptions(
    const RedisUrl &url, RedisConnectionOptions::Role role, const QString &name) const
{
    RedisConnectionOptions options;
    options.url = url;
    options.password = m_settings.redisPassword;
    options.role = role;
    // CLIENT LIST shows who is who; tests and operators kill by name or type.
    options.clientName
        = QStringLiteral("farmchat:%1:%2").arg(m_settings.nodeId, name).replace(u' ', u'_');
    options.probeChannel = (m_settings.channelPrefix + QStringLiteral(":probe")).toUtf8();
    // Back on the backplane within a second of Redis answering again (the
    // promise in docs/GUARANTEES.md): a cap of 500 ms (jitter never exceeds it)
    // costs Redis two connection attempts a second per link while it is down.
    options.backoff.maxDelayMs = kBackoffMaxMs;
    options.requirePrimary = m_sentinel != nullptr;
    return options;
}

std::unique_ptr<RedisConnection> BackplaneFactory::makeLink(
    const RedisUrl &url, RedisConnectionOptions::Role role, const QString &name)
{
    auto link = std::make_unique<RedisConnection>(linkOptions(url, role, name));
    connect(link.get(), &RedisConnection::ready, this, [this, raw = link.get(), name] {
        if (raw->reconnects() > 0)
            ++m_counters.redisReconnects[name];
    });
    if (m_sentinel)
        m_sentinel->addLink(link.get()); // started once the primary is known
    else
        link->start();
    return link;
}

} // namespace farmchat
