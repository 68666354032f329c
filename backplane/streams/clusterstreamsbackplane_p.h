#pragma once

#include "backplane/backplane.h"
#include "backplane/streams/streamsbackplane_p.h"

#include <QHash>
#include <QSet>

#include <map>
#include <memory>

namespace farmchat {

class ClusterShardLinks;
struct BackplaneCounters;

// Backplane mode `streams` on a Redis Cluster: one StreamsBackplane per
// shard, on that shard's own links (ClusterShardLinks), so each shard has
// its reader (one XREAD over its rooms), its outbox and its history epoch.
// A room lives on the shard serving its slot (the slot of its pub/sub
// channel, so both modes place a room alike); its stream is
// "{prefix}:{aN}:stream:{room}", where aN is that shard's anchor, so all of a
// shard's streams share one slot and one XREAD reads them. A shard that is
// down holds back only its rooms: their messages wait in its outbox and go
// out when it returns. A room whose slot moves to another shard (a reshard)
// continues on that shard's stream; what the old shard held for it moves
// along (its unsent messages to the new shard, its confirmed but unread own
// messages delivered at once) and its clients are told (historyReset).
class ClusterStreamsBackplane final : public Backplane
{
    Q_OBJECT
public:
    ClusterStreamsBackplane(StreamsBackplane::Config config, ClusterShardLinks &links,
        BackplaneCounters &counters, QObject *parent = nullptr);
    ~ClusterStreamsBackplane() override;

    BackplaneMode mode() const override { return BackplaneMode::Streams; }
    void publish(const ChatMessage &message, PublishDone done) override;
    void watchRoom(const QString &room) override;
    void unwatchRoom(const QString &room) override;
    bool isRoomReady(const QString &room) const override;
    bool servesHistory() const override { return true; }
    void history(const QString &room, const QString &afterId, int limit, HistoryDone done) override;
    BackplaneStatus status() const override;
    QList<Pending> takePending() override;
    void retire(HandOver handOver) override;
    bool isDrained() const override;

    // The anchor of the shard `room` lives on; empty while no slot map is known.
    QByteArray anchorOf(const QString &room) const;
    // The stream key of `room` on its shard; empty while no slot map is known.
    QByteArray streamKey(const QString &room) const;
    bool isReading(const QString &room) const;

private:
    StreamsBackplane *shardOf(const QString &room) const;
    void onShardsChanged();
    StreamsBackplane &makeShard(const QByteArray &anchor);
    void place(const QString &room);
    void onShardStatus();
    void updateOutboxGauge();

    StreamsBackplane::Config m_config;
    ClusterShardLinks &m_links;
    BackplaneCounters &m_counters;
    std::map<QByteArray, std::unique_ptr<StreamsBackplane>> m_shards; // by anchor
    QSet<QString> m_rooms; // watched
    QHash<QString, QByteArray> m_placed; // watched room -> the anchor it is read on
    // Watched rooms a map left without a shard -> the anchor they were read
    // on: placed again elsewhere, their clients are told.
    QHash<QString, QByteArray> m_wasOn;
    bool m_retired = false;
};

} // namespace farmchat
