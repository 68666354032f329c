#include "backplane/streams/streaminbox_p.h"

#include "backplane/backplanecounters.h"
#include "backplane/streams/streamepochwatch_p.h"
#include "backplane/streams/streamid_p.h"
#include "backplane/streams/streamslogging_p.h"
#include "backplane/streams/streamtrim_p.h"
#include "redis/redisconnection.h"

#include <QDateTime>
#include <QPointer>
#include <QTimer>

namespace farmchat {

namespace {

// A room whose start position was not answered in time on a link that stayed
// up is asked again after this long.
constexpr int kStartRetryMs = 500;

} // namespace

StreamInbox::StreamInbox(Settings settings, RedisConnection &reader, RedisConnection &commands,
    const StreamEpochWatch &epoch, BackplaneCounters &counters, QObject *parent)
    : QObject(parent)
    , m_keyPrefix(settings.keyPrefix)
    , m_commands(commands)
    , m_epoch(epoch)
    , m_counters(counters)
    , m_reader({settings.keyPrefix, settings.readCount, settings.blockMs}, reader, commands)
    , m_seen(settings.dedupeCapacity)
{
    connect(&m_reader, &StreamReader::entries, this, &StreamInbox::onEntries);
    connect(&m_reader, &StreamReader::advanced, this, &StreamInbox::advanced);
    connect(&m_reader, &StreamReader::invalidEntry, this,
        [this](const QString &room, const QString &error) {
            ++m_counters.backplaneDropped[QStringLiteral("invalid")];
            qCDebug(lcStreams).noquote()
                << "skipped an invalid entry in room" << room << "-" << error;
        });
    connect(&m_reader, &StreamReader::readFailed, this, [this](const QString &error) {
        ++m_counters.backplaneErrors;
        Q_EMIT failed(QStringLiteral("XREAD failed: ") + error);
    });
    connect(&m_reader, &StreamReader::trimmed, this, &StreamInbox::onTrimmed);
}

void StreamInbox::onTrimmed(
    const QString &room, const QByteArray &lastId, qint64 missed, bool exact)
{
    if (!m_rooms.contains(room))
        return;
    m_counters.backplaneDropped[QStringLiteral("trimmed")] += missed;
    qCWarning(lcStreams).noquote()
        << QStringLiteral("room %1: %2%3 entr%4 after %5 were trimmed before this node read them "
                          "(it was more than the history window behind); its clients are told "
                          "to fetch History")
               .arg(room, exact ? QString() : QStringLiteral("at least "))
               .arg(missed)
               .arg(missed == 1 ? QStringLiteral("y") : QStringLiteral("ies"))
               .arg(QLatin1String(lastId));
    Q_EMIT trimmed(room);
}

void StreamInbox::askAccounted(const QString &room, const QByteArray &key, quint64 generation)
{
    const QPointer<StreamInbox> self(this);
    m_commands.command({"XINFO", "STREAM", key}, [self, room, generation](const RedisValue &reply) {
        if (!self || generation != self->m_epoch.generation())
            return;
        const auto info = StreamTrimInfo::parse(reply);
        if (info && self->m_reader.lastId(room) == info->lastGenerated.toBytes())
            self->m_reader.setAccounted(room, info->entriesAdded);
    });
}

void StreamInbox::watch(const QString &room, bool linkUsable)
{
    if (m_rooms.contains(room))
        return;
    m_rooms.insert(room);
    if (linkUsable)
        startRoom(room, 0);
    else
        m_roomsToStart.insert(room, QDateTime::currentMSecsSinceEpoch());
}

void StreamInbox::unwatch(const QString &room)
{
    m_rooms.remove(room);
    m_roomsToStart.remove(room);
    m_reader.removeRoom(room);
}

void StreamInbox::startWaitingRooms()
{
    const QHash<QString, qint64> rooms = std::exchange(m_roomsToStart, {});
    for (auto it = rooms.cbegin(); it != rooms.cend(); ++it)
        startRoom(it.key(), it.value());
}

void StreamInbox::startRoom(const QString &room, qint64 watchedAtMs)
{
    // On the command link, so an XADD this node issues after watching the room
    // is ordered after the start position, and so read back.
    // A room watched while Redis was away starts at the last entry older than
    // the watch, by the clock: other nodes' messages queued meanwhile may reach
    // Redis before this node does, and they came after the watch. (A stream id
    // is Redis's clock in ms; the farm's Redis shares the node's host.)
    const QByteArray end
        = watchedAtMs > 0 ? QByteArray::number(watchedAtMs - 1) : QByteArrayLiteral("+");
    const quint64 generation = m_epoch.generation();
    const int session = m_commands.reconnects();
    const QPointer<StreamInbox> self(this);
    const QByteArray key = (m_keyPrefix + room).toUtf8();
    m_commands.command({"XREVRANGE", key, end, "-", "COUNT", "1"},
        [self, room, generation, watchedAtMs, session](const RedisValue &reply) {
            if (!self || !self->m_rooms.contains(room))
                return;
            if (generation != self->m_epoch.generation()) {
                self->m_reader.addRoom(room, QByteArrayLiteral("0-0"));
            } else if (reply.isLinkError()) {
                // Not answered: by the clock once Redis is back. Still before
                // anything sent after started(), which comes only now.
                self->m_roomsToStart.insert(
                    room, watchedAtMs > 0 ? watchedAtMs : QDateTime::currentMSecsSinceEpoch());
                // Past its deadline on a link that stays up (stalled, then
                // flowing again before the liveness probe gave up): no ready()
                // will start it, so ask again on this link.
                if (self->m_commands.isReady() && self->m_commands.reconnects() == session)
                    self->startWaitingRoomsSoon(session);
            } else {
                QByteArray last = QByteArrayLiteral("0-0");
                const auto entries = reply.expectArray("XREVRANGE reply");
                if (!entries) {
                    ++self->m_counters.backplaneErrors;
                    Q_EMIT self->failed(entries.error());
                } else if (!entries->isEmpty()) {
                    const QByteArray id = StreamEntry::idOf(entries->first());
                    if (!id.isEmpty())
                        last = id;
                }
                if (!self)
                    return;
                self->m_reader.addRoom(room, last);
            }
            Q_EMIT self->started(room);
        });
    // Answered after the XREVRANGE, on the same link: an XADD between the two
    // shows as another last-generated-id, and the count is then not taken.
    askAccounted(room, key, generation);
}

void StreamInbox::startWaitingRoomsSoon(int session)
{
    const QPointer<StreamInbox> self(this);
    QTimer::singleShot(kStartRetryMs, this, [self, session] {
        // A link that dropped meanwhile starts them on its ready(), once its
        // epoch is confirmed.
        if (self && self->m_commands.isReady() && self->m_commands.reconnects() == session)
            self->startWaitingRooms();
    });
}

void StreamInbox::open()
{
    m_reader.open();
}

void StreamInbox::restartFromBeginning()
{
    m_reader.restartAll();
    // Queued behind a new-stream position: the ids clients hold are gone.
    for (auto it = m_roomsToStart.cbegin(); it != m_roomsToStart.cend(); ++it)
        m_reader.addRoom(it.key(), QByteArrayLiteral("0-0"));
    m_roomsToStart.clear();
}

void StreamInbox::close()
{
    m_reader.close();
    m_roomsToStart.clear();
}

bool StreamInbox::willRead(const QString &room, const StreamId &id) const
{
    if (!m_reader.hasRoom(room))
        return false;
    const auto readerAt = StreamId::parse(QByteArrayView(m_reader.lastId(room)));
    return !readerAt || *readerAt < id;
}

void StreamInbox::onEntries(const QString &room, const QList<StreamEntry> &entries)
{
    const QPointer<StreamInbox> self(this);
    for (const StreamEntry &entry : entries) {
        if (!m_rooms.contains(room))
            return; // unwatched by an earlier delivery's consequences
        if (!m_seen.insert(entry.uid)) {
            ++m_counters.backplaneDropped[QStringLiteral("duplicate")];
            continue;
        }
        Q_EMIT entryRead(entry);
        if (!self)
            return;
    }
}

} // namespace farmchat
