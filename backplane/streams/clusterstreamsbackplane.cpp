#include "backplane/streams/clusterstreamsbackplane_p.h"

#include "backplane/backplanecounters.h"
#include "backplane/streams/streamslogging_p.h"
#include "protocol/roomchannel.h"
#include "redis/clustershardlinks.h"
#include "redis/clusterslot.h"

#include <QPointer>

#include <algorithm>

namespace farmchat {

namespace {

const QString kNoSlotMap = QStringLiteral(
    "no shard of the Redis Cluster serves the room's slot in the slot map this node has (none "
    "read yet, or the cluster's slots are not all covered)");

} // namespace

ClusterStreamsBackplane::ClusterStreamsBackplane(StreamsBackplane::Config config,
    ClusterShardLinks &links, BackplaneCounters &counters, QObject *parent)
    : Backplane(parent), m_config(std::move(config)), m_links(links), m_counters(counters)
{
    m_config.reportsOutboxDepth = false; // summed over the shards here
    connect(&m_links, &ClusterShardLinks::shardsChanged, this,
        &ClusterStreamsBackplane::onShardsChanged);
    onShardsChanged();
}

ClusterStreamsBackplane::~ClusterStreamsBackplane() = default;

QByteArray ClusterStreamsBackplane::anchorOf(const QString &room) const
{
    return m_links.anchorForSlot(clusterKeySlot(roomChannel(m_config.channelPrefix, room)));
}

QByteArray ClusterStreamsBackplane::streamKey(const QString &room) const
{
    const StreamsBackplane *shard = shardOf(room);
    return shard ? shard->streamKey(room) : QByteArray();
}

bool ClusterStreamsBackplane::isReading(const QString &room) const
{
    const auto it = m_shards.find(m_placed.value(room));
    return it != m_shards.end() && it->second->isReading(room);
}

bool ClusterStreamsBackplane::isRoomReady(const QString &room) const
{
    // Not placed (no slot map yet): no shard to read it from, nothing to wait for.
    const auto it = m_shards.find(m_placed.value(room));
    return it == m_shards.end() || it->second->isRoomReady(room);
}

StreamsBackplane *ClusterStreamsBackplane::shardOf(const QString &room) const
{
    const auto it = m_shards.find(anchorOf(room));
    return it == m_shards.end() ? nullptr : it->second.get();
}

void ClusterStreamsBackplane::onShardsChanged()
{
    if (m_retired)
        return;
    for (const QByteArray &anchor : m_links.anchors()) {
        if (m_shards.find(anchor) == m_shards.end())
            makeShard(anchor);
    }
    const QPointer<ClusterStreamsBackplane> self(this);
    for (const QString &room : QSet<QString>(m_rooms)) {
        if (!m_rooms.contains(room))
            continue; // unwatched by a handler of an earlier room's signals
        place(room);
        if (!self)
            return;
    }
    Q_EMIT statusChanged();
}

StreamsBackplane &ClusterStreamsBackplane::makeShard(const QByteArray &anchor)
{
    StreamsBackplane::Config config = m_config;
    // Every key of the shard in the anchor's slot: "{prefix}:{aN}:stream:{room}".
    config.channelPrefix += QStringLiteral(":{%1}").arg(QString::fromLatin1(anchor));
    auto shard = std::make_unique<StreamsBackplane>(
        std::move(config), *m_links.commands(anchor), *m_links.reader(anchor), m_counters);
    StreamsBackplane *raw = shard.get();
    connect(raw, &Backplane::deliver, this, &Backplane::deliver);
    connect(raw, &Backplane::historyReset, this, &Backplane::historyReset);
    connect(raw, &Backplane::roomReady, this, &Backplane::roomReady);
    connect(raw, &Backplane::statusChanged, this, &ClusterStreamsBackplane::onShardStatus);
    connect(raw, &Backplane::drained, this, [this] {
        if (isDrained())
            Q_EMIT drained();
    });
    m_shards.emplace(anchor, std::move(shard));
    return *raw;
}

void ClusterStreamsBackplane::place(const QString &room)
{
    const QByteArray anchor = anchorOf(room);
    const QByteArray current = m_placed.value(room);
    if (anchor == current)
        return;
    StreamsBackplane::RoomHandOver handOver;
    if (const auto it = m_shards.find(current); it != m_shards.end()) {
        handOver = it->second->handOverRoom(room);
        m_wasOn.insert(room, current);
    }
    const auto target = m_shards.find(anchor);
    if (target == m_shards.end())
        m_placed.remove(room); // placed once a map names its shard
    else
        m_placed.insert(room, anchor);
    if (target != m_shards.end())
        target->second->watchRoom(room);
    const QPointer<ClusterStreamsBackplane> self(this);
    // Confirmed by the old shard but not read back: delivered here now, as
    // its reader no longer reads the room.
    for (const ChatMessage &message : std::as_const(handOver.confirmed)) {
        Q_EMIT deliver(message);
        if (!self)
            return;
    }
    for (Pending &pending : handOver.pending)
        publish(pending.message, std::move(pending.done));
    if (target == m_shards.end())
        return;
    const QByteArray before = m_wasOn.take(room);
    if (before.isEmpty())
        return;
    // Moved by a reshard (or back after a map without its slot): its
    // messages continue on this shard's stream, and what clients hold no
    // longer lines up with the History they can read.
    qCWarning(lcStreams).noquote()
        << QStringLiteral("room %1: its slot is now served by the shard of {%2} (it was read on "
                          "{%3}), so it continues on that shard's stream; messages other nodes "
                          "write to the old one until they read the new slot map (within %4 ms) "
                          "are not read here, and its clients are told to fetch History")
               .arg(room, QString::fromLatin1(anchor), QString::fromLatin1(before))
               .arg(ClusterShardLinks::kMapRefreshMs);
    Q_EMIT historyReset(room);
}

void ClusterStreamsBackplane::watchRoom(const QString &room)
{
    m_rooms.insert(room);
    place(room);
}

void ClusterStreamsBackplane::unwatchRoom(const QString &room)
{
    m_rooms.remove(room);
    m_wasOn.remove(room);
    if (const auto it = m_shards.find(m_placed.take(room)); it != m_shards.end())
        it->second->unwatchRoom(room);
}

void ClusterStreamsBackplane::publish(const ChatMessage &message, PublishDone done)
{
    StreamsBackplane *shard = shardOf(message.room);
    if (!shard) {
        ++m_counters.backplaneErrors;
        done(PublishOutcome::failure(kNoSlotMap));
        return;
    }
    shard->publish(message, std::move(done));
}

void ClusterStreamsBackplane::history(
    const QString &room, const QString &afterId, int limit, HistoryDone done)
{
    StreamsBackplane *shard = shardOf(room);
    if (!shard) {
        done(Result<QList<ChatMessage>>::failure(kNoSlotMap));
        return;
    }
    shard->history(room, afterId, limit, std::move(done));
}

BackplaneStatus ClusterStreamsBackplane::status() const
{
    BackplaneStatus s;
    s.mode = BackplaneMode::Streams;
    s.redisConnected = !m_shards.empty();
    if (m_shards.empty())
        s.lastError = kNoSlotMap;
    QStringList epochs;
    for (const auto &[anchor, shard] : m_shards) {
        const BackplaneStatus part = shard->status();
        s.redisConnected = s.redisConnected && part.redisConnected;
        s.outboxDepth += part.outboxDepth;
        s.redisFull = s.redisFull || part.redisFull;
        s.roomsRead += part.roomsRead;
        s.roomsPending += part.roomsPending;
        if (!part.epoch.isEmpty())
            epochs << QStringLiteral("%1=%2").arg(QString::fromLatin1(anchor), part.epoch);
        if (part.lastErrorAtMs > s.lastErrorAtMs) {
            s.lastError = part.lastError;
            s.lastErrorAtMs = part.lastErrorAtMs;
        }
    }
    s.epoch = epochs.join(u',');
    // Watched but on no shard yet: not read.
    s.roomsPending += qint64(m_rooms.size() - m_placed.size());
    s.roomsRead += qint64(m_rooms.size() - m_placed.size());
    return s;
}

void ClusterStreamsBackplane::onShardStatus()
{
    updateOutboxGauge();
    Q_EMIT statusChanged();
}

void ClusterStreamsBackplane::updateOutboxGauge()
{
    qint64 depth = 0;
    for (const auto &[anchor, shard] : m_shards)
        depth += shard->status().outboxDepth;
    m_counters.outboxDepth = depth;
}

QList<Backplane::Pending> ClusterStreamsBackplane::takePending()
{
    QList<Pending> pending;
    for (const auto &[anchor, shard] : m_shards)
        pending += shard->takePending();
    updateOutboxGauge(); // now, not after a status timer the retire stops
    return pending;
}

void ClusterStreamsBackplane::retire(HandOver handOver)
{
    m_retired = true;
    disconnect(&m_links, nullptr, this, nullptr);
    const QPointer<ClusterStreamsBackplane> self(this);
    for (const auto &[anchor, shard] : m_shards) {
        shard->retire(handOver);
        if (!self)
            return;
    }
}

bool ClusterStreamsBackplane::isDrained() const
{
    return m_retired && std::all_of(m_shards.cbegin(), m_shards.cend(), [](const auto &entry) {
        return entry.second->isDrained();
    });
}

} // namespace farmchat
