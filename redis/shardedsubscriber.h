#pragma once

#include "redis/clusterslotmap.h"
#include "redis/redisconnection.h"

#include <QHash>
#include <QObject>

#include <map>
#include <memory>

namespace farmchat {

class ClusterRouter;

// Sharded pub/sub on a Redis Cluster (SSUBSCRIBE, Redis 7): a channel lives
// on the primary that owns its slot, so it is subscribed on a link to that
// primary, and a shard carries only its own channels' traffic. One sharded
// subscriber link per primary of the router's slot map. When the map
// changes (a failover, a migration) channels follow it; a node that refuses
// a channel (MOVED) or drops one (sunsubscribe: its slot moved) makes the
// router read the map again, which moves the channel.
class ShardedSubscriber : public QObject
{
    Q_OBJECT
public:
    // `link` is the template of every link (password, timeouts, client name,
    // probe channel); its host and port are set per primary.
    ShardedSubscriber(
        ClusterRouter &router, RedisConnectionOptions link, QObject *parent = nullptr);
    ~ShardedSubscriber() override;

    // Counted like RedisConnection's: unsubscribed when every subscribe() is undone.
    void subscribe(const QByteArray &channel);
    void unsubscribe(const QByteArray &channel);
    bool isSubscribed(const QByteArray &channel) const;
    // A slot map is known and the link of every primary is ready.
    bool isReady() const;
    // The primary (host:port) a channel is subscribed on; empty: not placed yet.
    QString placement(const QByteArray &channel) const;
    // The newest failure of any link, kept after a later success.
    LinkError lastError() const;
    int links() const { return int(m_links.size()); }

Q_SIGNALS:
    void message(const QByteArray &channel, const QByteArray &payload);
    void subscribed(const QByteArray &channel);
    // A link connected, was lost or failed an attempt.
    void linkStateChanged();
    // A subscriber link is up again after it was lost.
    void linkReconnected();

private:
    void applyMap(const ClusterSlotMap &map);
    void place(const QByteArray &channel);
    RedisConnection *linkFor(const ClusterNode &node);
    void onLinkLost(const QString &error);

    ClusterRouter &m_router;
    RedisConnectionOptions m_options;
    QHash<QByteArray, int> m_users; // channel -> subscribe() calls not undone
    QHash<QByteArray, RedisConnection *> m_placed; // channel -> the link it is on
    std::map<QString, std::unique_ptr<RedisConnection>> m_links; // by primary endpoint
};

} // namespace farmchat
