#pragma once

#include "backplane/streams/seenuids_p.h"
#include "backplane/streams/streamentry.h"
#include "backplane/streams/streamreader_p.h"

#include <QHash>
#include <QObject>
#include <QSet>

namespace farmchat {

class RedisConnection;
class StreamEpochWatch;
struct BackplaneCounters;
struct StreamId;

// The streams backplane's reading side: the rooms it watches, where each
// starts (the stream's last entry when it is watched, asked on the command
// link so this node's later XADDs come after it; for a room watched while
// Redis was away, the last entry older than the watch), the one XREAD loop over all
// of them (StreamReader), and de-duplication by uid. Hands on every entry of
// a watched room once, in stream order.
class StreamInbox : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        QString keyPrefix; // "{prefix}:stream:"
        int readCount = 200;
        int blockMs = 5000;
        int dedupeCapacity = 50000; // uids remembered
    };

    StreamInbox(Settings settings, RedisConnection &reader, RedisConnection &commands,
        const StreamEpochWatch &epoch, BackplaneCounters &counters, QObject *parent = nullptr);

    const QSet<QString> &rooms() const { return m_rooms; }
    bool watches(const QString &room) const { return m_rooms.contains(room); }
    // Starts `room` at once when the command link is usable (ready, on the
    // current epoch), else at the next startWaitingRooms().
    void watch(const QString &room, bool linkUsable);
    void unwatch(const QString &room);
    void startWaitingRooms();
    // What other nodes add to `room` from now on will be read: its start
    // position is known, or it waits for Redis with one taken by the clock
    // (startRoom). True for a room not watched. started() says when it turns true.
    bool isStarted(const QString &room) const
    {
        return !m_rooms.contains(room) || m_reader.hasRoom(room) || m_roomsToStart.contains(room);
    }

    // The reader link agreed on the epoch: read.
    void open();
    // A new epoch: every room from the new stream's beginning.
    void restartFromBeginning();
    // For good (a retired backplane): nothing more is read.
    void close();

    bool isReading(const QString &room) const
    {
        return m_reader.isOpen() && m_reader.hasRoom(room);
    }
    // The reader has a start position in `room` (not waiting for one).
    bool hasPosition(const QString &room) const { return m_reader.hasRoom(room); }
    // The reader has a position in `room` before `id`: it will read it.
    bool willRead(const QString &room, const StreamId &id) const;

Q_SIGNALS:
    void entryRead(const farmchat::StreamEntry &entry);
    void started(const QString &room);
    // The reader's position in `room` moved on.
    void advanced(const QString &room, const QByteArray &lastId);
    void failed(const QString &error);
    // Entries of `room` were trimmed before this node read them: its clients
    // must fetch History (counted as backplaneDropped{trimmed}, logged).
    void trimmed(const QString &room);

private:
    // watchedAtMs: 0 for "now, on the command link", else when it was watched.
    void startRoom(const QString &room, qint64 watchedAtMs);
    // startWaitingRooms() shortly, while the command link is still the
    // connection of `session` (its reconnects()).
    void startWaitingRoomsSoon(int session);
    void onEntries(const QString &room, const QList<StreamEntry> &entries);
    void onTrimmed(const QString &room, const QByteArray &lastId, qint64 missed, bool exact);
    // XINFO STREAM right after a room's start position was read: when nothing
    // was added between, its entries-added is what the reader accounts for.
    void askAccounted(const QString &room, const QByteArray &key, quint64 generation);

    QString m_keyPrefix;
    RedisConnection &m_commands;
    const StreamEpochWatch &m_epoch;
    BackplaneCounters &m_counters;
    StreamReader m_reader;
    SeenUids m_seen;
    QSet<QString> m_rooms;
    // Watched while the command link was not usable, with when (ms since the epoch).
    QHash<QString, qint64> m_roomsToStart;
};

} // namespace farmchat
