#pragma once

#include "redis/clusterslotmap.h"
#include "redis/redisconnection.h"
#include "redis/redisurl.h"

#include <QList>
#include <QObject>
#include <QTimer>

#include <map>
#include <memory>

namespace farmchat {

// Slot routing for a Redis Cluster, which hiredis 0.14 cannot do: reads the
// slot map (CLUSTER SLOTS) from a seed or a known primary, keeps one
// Commands RedisConnection per node and sends each command to the primary
// owning its key's slot. MOVED refreshes the map (one refresh at a time;
// commands wait for it) and resends to the new owner; ASK sends ASKING and
// the command to the target once, keeping the map. A lost shard link also
// refreshes the map, since a failover moves slots. Not a general-purpose
// client: single-key commands only, no replicas reads, no pub/sub.
//
// Bounds: at most kMaxRedirects redirects per command, then the callback gets
// an error naming the slot; commands waiting for a map wait at most
// connectTimeoutMs + commandTimeoutMs. Callback rules are RedisConnection's:
// once each, never from inside command(), dropped when the router is
// destroyed. Errors the router or a link produce are link errors whose text
// starts with "slot <n>"; Redis' own errors (WRONGTYPE, …) pass unchanged.
class ClusterRouter : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxRedirects = 5;

    struct ShardStatus
    {
        QString endpoint; // host:port
        QByteArray id; // node ID from the slot map; empty for a seed not in it
        bool primary = false; // serves slots in the current map
        int slots = 0;
        RedisConnection::State state = RedisConnection::State::Stopped;
        QString lastError; // of its link; empty: none
        qint64 lastErrorAtMs = 0; // Unix ms; 0: none
    };

    // `connection` is the template of every link: password (never logged),
    // timeouts, back-off, client name; its url's host and port are replaced
    // per node, and its db must be 0 (a cluster has one database).
    ClusterRouter(
        QList<RedisUrl> seeds, RedisConnectionOptions connection, QObject *parent = nullptr);
    ~ClusterRouter() override;

    // Connects to the seeds and reads the slot map.
    void start();
    // Sends `arguments` to the primary of the slot of arguments[keyIndex].
    // timeoutMs 0: the connection's commandTimeoutMs, per attempt.
    void command(const QList<QByteArray> &arguments, int keyIndex,
        RedisConnection::ReplyCallback callback, int timeoutMs = 0);
    // Reads the slot map again (no-op while a refresh runs).
    void refreshSlotMap();

    const ClusterSlotMap &slotMap() const { return m_map; }
    bool isReady() const { return !m_map.isEmpty(); } // a map has been read
    // The map names a primary for `slot` and the link to it is ready: a
    // command for the slot is sent now rather than failing for want of a link.
    bool isSlotReady(int slot) const;
    QList<ShardStatus> shards() const;
    int refreshes() const { return m_refreshes; } // slot maps read so far
    int movedRedirects() const { return m_moved; } // MOVED answers followed
    int askRedirects() const { return m_asked; } // ASK answers followed

Q_SIGNALS:
    void slotMapChanged(const farmchat::ClusterSlotMap &map);
    // A refresh failed (no node answered, or the reply was malformed).
    void refreshFailed(const QString &error);
    // A link to a cluster node is up again after it was lost.
    void linkReconnected();

private:
    struct Routed;
    using RoutedPtr = std::shared_ptr<Routed>;
    struct Shard;

    void route(const RoutedPtr &routed);
    void sendTo(Shard &shard, const RoutedPtr &routed);
    void onReply(const RoutedPtr &routed, const QString &endpoint, const RedisValue &reply);
    void redirect(const RoutedPtr &routed, const QString &endpoint, const RedisValue &reply);
    void finish(const RoutedPtr &routed, const QString &endpoint, const RedisValue &reply);
    void failLater(const RoutedPtr &routed, const QString &error);
    void wait(const RoutedPtr &routed);
    void flushWaiting();
    void failWaiting();
    void onSlots(const QString &source, const RedisValue &reply);
    void refreshFailedWith(const QString &error);
    void applyMap(ClusterSlotMap map);
    Shard &shardFor(const QString &host, quint16 port);
    Shard *findShard(const QString &endpoint);
    RedisConnection *refreshSource() const;
    void onShardReady(Shard &shard);
    void onShardAttemptFailed(Shard &shard);

    QList<RedisUrl> m_seeds;
    RedisConnectionOptions m_options;
    ClusterSlotMap m_map;
    std::map<QString, std::unique_ptr<Shard>> m_shards; // by endpoint
    QList<RoutedPtr> m_waiting; // for a slot map
    QTimer m_waitTimer; // bounds the wait of m_waiting
    QTimer m_retryTimer; // the next refresh after a failed one
    bool m_started = false;
    bool m_refreshing = false;
    bool m_wantRefresh = false; // no node was ready to ask: refresh on the next ready
    int m_refreshFailures = 0;
    int m_refreshes = 0;
    int m_moved = 0;
    int m_asked = 0;
    QString m_lastRefreshError;
};

} // namespace farmchat
