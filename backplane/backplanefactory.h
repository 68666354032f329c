#pragma once

#include "backplane/backplane.h"
#include "core/result.h"
#include "protocol/backplanemode.h"
#include "redis/redisconnection.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <memory>

namespace farmchat {

struct BackplaneCounters;
class ClusterRouter;
class ClusterShardLinks;
class PubSubTransport;
class SentinelWatcher;
class ShardedSubscriber;

// What a node knows about the farm's backplane from its flags and environment.
struct BackplaneSettings
{
    QString nodeId;
    QString redisUrl; // empty: no Redis configured, only `off` is possible
    QByteArray redisPassword; // from FARMCHAT_REDIS_PASSWORD, never from argv
    // Sentinel instead of redisUrl: "host:port,host:port", the primary's
    // name and the Sentinels' own password (FARMCHAT_SENTINEL_PASSWORD).
    QString redisSentinels;
    QString redisMasterName = QStringLiteral("farmchat");
    QByteArray sentinelPassword;
    // A Redis Cluster instead: "host:port,..." of some of its nodes (seeds);
    // pub/sub is then sharded (SPUBLISH/SSUBSCRIBE), streams kept per shard.
    QString redisCluster;
    QString channelPrefix = QStringLiteral("farmchat");
    int history = 1000; // messages kept per room (ring buffer, stream MAXLEN ~)
    int outboxCapacity = 10000; // streams mode, while Redis is down
    qint64 roomIdleTtlMs = 0; // streams mode: idle rooms' streams expire; 0: never
    int streamWaitReplicas = 0; // streams mode: WAIT for this many replicas per message
    int streamWaitTimeoutMs = 500;
};

// Builds the backplane for a mode: the one place that knows every kind of
// backplane (a case per mode in create()). One per node: it owns what must
// outlive a live switch (the Redis connections), so switching modes never
// reconnects more than it must and never touches client connections.
class BackplaneFactory : public QObject
{
    Q_OBJECT
public:
    // Longest wait between two attempts to reach Redis, per link.
    static constexpr int kBackoffMaxMs = 500;

    BackplaneFactory(
        BackplaneSettings settings, BackplaneCounters &counters, QObject *parent = nullptr);
    ~BackplaneFactory() override;

    const BackplaneSettings &settings() const { return m_settings; }
    bool hasRedis() const
    {
        return !m_settings.redisUrl.isEmpty() || !m_settings.redisSentinels.isEmpty()
            || !m_settings.redisCluster.isEmpty();
    }
    bool isCluster() const { return !m_settings.redisCluster.isEmpty(); }
    // Finds the primary and keeps the links on it; nullptr without Sentinel.
    SentinelWatcher *sentinel() const { return m_sentinel.get(); }

    // Fails when the mode cannot be built here, e.g. "no Redis configured
    // (start the node with --redis URL)".
    Result<std::unique_ptr<Backplane>> create(BackplaneMode mode);

    // The Redis links, made with the factory when a Redis URL is set and kept
    // across switches: commands (PUBLISH, XADD, history; every Redis mode),
    // the pub/sub subscriber, and the streams reader (XREAD BLOCK).
    RedisConnection *commandLink() const { return m_commands.get(); }
    RedisConnection *subscriberLink() const { return m_subscriber.get(); }
    RedisConnection *readerLink() const { return m_reader.get(); }
    // On a Redis Cluster, instead of those: the slot router and the sharded
    // subscriber (nullptr otherwise).
    ClusterRouter *clusterRouter() const { return m_router.get(); }
    ShardedSubscriber *shardedSubscriber() const { return m_sharded.get(); }
    // On a Redis Cluster in streams mode: a command and a reader link per shard.
    ClusterShardLinks *clusterShardLinks() const { return m_shardLinks.get(); }

private:
    Result<void> ensureLinks(BackplaneMode mode);
    Result<void> ensureClusterLinks(BackplaneMode mode);
    RedisConnectionOptions linkOptions(
        const RedisUrl &url, RedisConnectionOptions::Role role, const QString &name) const;
    std::unique_ptr<RedisConnection> makeLink(
        const RedisUrl &url, RedisConnectionOptions::Role role, const QString &name);

    BackplaneSettings m_settings;
    BackplaneCounters &m_counters;
    std::unique_ptr<SentinelWatcher> m_sentinel; // declared before the links: goes after them
    std::unique_ptr<RedisConnection> m_commands;
    std::unique_ptr<RedisConnection> m_subscriber;
    std::unique_ptr<RedisConnection> m_reader;
    std::unique_ptr<ClusterRouter> m_router;
    std::unique_ptr<ShardedSubscriber> m_sharded;
    std::unique_ptr<ClusterShardLinks> m_shardLinks;
    std::unique_ptr<PubSubTransport> m_pubsub; // declared last: goes before what it wraps
};

} // namespace farmchat
