#pragma once

#include "redis/clusterslotmap.h"
#include "redis/redisconnection.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <map>
#include <memory>

namespace farmchat {

class ClusterRouter;

// Per shard of a Redis Cluster, a command link and a reader link to its
// primary, for users whose commands must stay on one shard: a blocking XREAD
// over several keys, and MULTI, work only when every key is in one slot.
//
// Each primary gets an anchor: the first of the hash tags "a0", "a1", … whose
// slot it serves. Keys named "…{aN}…" all live in that one slot, so a shard's
// keys can be read with one command. Every node computes the same anchors
// from the same slot map. The links of an anchor always point at the primary
// serving the anchor's slot: after a failover (the same slots, a new primary)
// they move there, and so does the data under the anchor, which the promoted
// replica holds. Not a general-purpose client: two links per shard, made when
// the shard first appears and kept.
class ClusterShardLinks : public QObject
{
    Q_OBJECT
public:
    // Tried in order until every primary has one; a primary that owns no
    // slot of the first kMaxAnchors tags has none (never with 16384 slots
    // over at most a few hundred primaries).
    static constexpr int kMaxAnchors = 1 << 20;
    // How often the slot map is read again. Nothing a streams user sends
    // touches a room's own slot (its keys are in the anchor's), so no MOVED
    // would tell the node that the room's slot moved: this bounds how long
    // nodes can disagree on where a room lives after a reshard.
    static constexpr int kMapRefreshMs = 2000;

    // `link` is the template of every link (password, timeouts, back-off,
    // client name, to which ":commands:aN" or ":reader:aN" is appended).
    ClusterShardLinks(
        ClusterRouter &router, RedisConnectionOptions link, QObject *parent = nullptr);
    ~ClusterShardLinks() override;

    // Primary endpoint (host:port) -> its anchor, for every primary of `map`.
    static QHash<QString, QByteArray> anchorsOf(const ClusterSlotMap &map);

    // The anchor of the primary serving `slot`; empty while no map names one.
    QByteArray anchorForSlot(int slot) const;
    // The anchors of the current map's primaries.
    QList<QByteArray> anchors() const;
    // The links of an anchor of the current map, or of an earlier one
    // (kept); nullptr for an anchor never seen.
    RedisConnection *commands(const QByteArray &anchor) const;
    RedisConnection *reader(const QByteArray &anchor) const;

Q_SIGNALS:
    // A new slot map was applied: a room's slot may have another owner, a
    // shard may be new, or an anchor's links may have moved to a new primary.
    void shardsChanged();
    // A link is up again after it was lost: "commands" or "reader".
    void linkReconnected(const QString &role);

private:
    struct Shard
    {
        std::unique_ptr<RedisConnection> commands;
        std::unique_ptr<RedisConnection> reader;
    };

    void applyMap(const ClusterSlotMap &map);
    std::unique_ptr<RedisConnection> makeLink(
        const QByteArray &anchor, const QString &role, const ClusterNode &primary);
    void follow(const QByteArray &anchor, const ClusterNode &primary);

    ClusterRouter &m_router;
    RedisConnectionOptions m_options;
    QHash<QString, QByteArray> m_anchorOf; // primary endpoint -> anchor, current map
    std::map<QByteArray, Shard> m_shards; // by anchor, kept once made
    QTimer m_refreshTimer;
};

} // namespace farmchat
