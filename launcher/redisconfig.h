#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

namespace farmchat {

// The private redis-server's settings and the config text fed to it through
// stdin (`redis-server -`), so the password never appears in argv. Loopback
// only, password required, nothing persisted, files in its own directory,
// memory capped.
struct RedisConfig
{
    // A demo farm on a laptop: room for hundreds of thousands of messages,
    // and never more than a small share of the machine's memory.
    static constexpr qint64 kDefaultMaxMemoryBytes = 256LL * 1024 * 1024;

    quint16 port = 0;
    QByteArray password;
    QString directory;
    // `maxmemory` in bytes; 0: no cap. The policy is always noeviction: an
    // eviction policy would silently delete whole room streams, the history
    // the streams mode promises to keep, and PUBLISH/XREAD would never say so.
    // With noeviction a full Redis refuses the next XADD, and the sender gets
    // that error: full is visible, nothing accepted is lost.
    qint64 maxMemoryBytes = kDefaultMaxMemoryBytes;
    // Sentinel topology: every server knows the password of the others
    // (masterauth), since any of them may be demoted to a replica; a replica
    // starts following the primary on 127.0.0.1:replicaOf (0: a primary).
    bool replicated = false;
    quint16 replicaOf = 0;
    // Cluster topology: a cluster node whose bus listens on clusterBusPort
    // (0: not a cluster node), its nodes.conf in `directory`. A shard that is
    // down costs only its slots (cluster-require-full-coverage no).
    quint16 clusterBusPort = 0;
    int clusterNodeTimeoutMs = 2000;

    QByteArray toConfigText() const;

private:
    QByteArray clusterConfigText() const;
};

// How the launcher's private Redis is laid out (--redis-topology).
enum class RedisTopology {
    Single, // one redis-server
    Sentinel, // a primary, one replica and three Sentinels (quorum 2)
    Cluster, // a Redis Cluster: N primaries (shards), each with 0 or 1 replica
};
QString redisTopologyName(RedisTopology topology); // "single", "sentinel", "cluster"
Result<RedisTopology> parseRedisTopology(const QString &text);

// One Sentinel of the farm. Sentinel rewrites its config file as it learns
// (replicas, other Sentinels, failovers), so the text goes into a file of its
// own (mode 0600 in a 0700 directory), never through stdin or argv.
struct SentinelConfig
{
    static constexpr int kQuorum = 2;
    static constexpr int kDefaultDownAfterMs = 1000;

    quint16 port = 0;
    QByteArray password; // the Sentinels' own (requirepass, sentinel-pass)
    QByteArray redisPassword; // the Redis servers' (auth-pass)
    QString masterName = QStringLiteral("farmchat");
    quint16 primaryPort = 0;
    int downAfterMs = kDefaultDownAfterMs;
    QString directory;

    // failover-timeout: bounds a failover that stalls, and a split vote (two
    // Sentinels asking for votes at once, neither reaching the majority) is
    // retried only after twice that. Short, as detection is: a promotion on
    // loopback takes well under a second.
    static int failoverTimeoutMs(int downAfterMs) { return qMax(4000, downAfterMs * 4); }

    QByteArray toConfigText() const;
};

// `text` as a redis.conf double-quoted string (backslash, quote and control
// characters escaped), so paths with spaces survive.
QByteArray quoteRedisConfigString(const QByteArray &text);

} // namespace farmchat
