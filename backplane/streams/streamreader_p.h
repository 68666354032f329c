#pragma once

#include "backplane/streams/streamentry.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

namespace farmchat {

class RedisConnection;

// The streams backplane's reading half: one XREAD BLOCK over every watched
// room's stream on a connection of its own, each room from its last id,
// entries handed over in stream order.
//
// A room added while the XREAD is blocked is picked up by waking the reader
// with CLIENT UNBLOCK from the command connection (retried briefly when the
// XREAD has not reached Redis yet), not by a short BLOCK: new rooms start at
// once and an idle node costs Redis one request per blockMs, not ten.
class StreamReader : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        QString keyPrefix; // "{prefix}:stream:"
        int count = 200; // entries per stream per XREAD
        int blockMs = 5000;
    };

    StreamReader(Settings settings, RedisConnection &reader, RedisConnection &commands,
        QObject *parent = nullptr);
    ~StreamReader() override;

    // Read `room` from after `afterId` ("0-0": from the start).
    void addRoom(const QString &room, const QByteArray &afterId);
    // `room`'s stream had `entries` entries up to and including the reader's
    // position (XINFO STREAM's entries-added when its last-generated-id is that
    // position): from then on a trimmed gap is counted exactly.
    void setAccounted(const QString &room, qint64 entries);
    void removeRoom(const QString &room);
    bool hasRoom(const QString &room) const { return m_lastIds.contains(room); }
    QByteArray lastId(const QString &room) const { return m_lastIds.value(room); }
    // Every room from the start again; a read in flight is thrown away.
    void restartAll();
    // The reader link is ready and its epoch confirmed: start reading. Closed
    // again automatically when the link drops.
    void open();
    bool isOpen() const { return m_open; }
    // Stops for good (a retired backplane): forgets every room, ends a blocked
    // XREAD so the link is free for the next reader, never reopens.
    void close();

Q_SIGNALS:
    void entries(const QString &room, const QList<farmchat::StreamEntry> &entries);
    // The reader's position in `room` moved on (after entries(), and also past
    // entries it skipped).
    void advanced(const QString &room, const QByteArray &lastId);
    void invalidEntry(const QString &room, const QString &error);
    void readFailed(const QString &error);
    // Entries of `room` after `lastId` were trimmed before this reader read
    // them (it resumed after its link was down, or lagged): `missed` of them,
    // or at least that many when not `exact`. Reading goes on with what is left.
    void trimmed(const QString &room, const QByteArray &lastId, qint64 missed, bool exact);

private:
    void askClientId();
    void readNext();
    void onReply(quint64 generation, const RedisValue &reply);
    void wake();
    bool needsWake() const;
    void onLinkDown();
    void unblockOwnRead();
    // The XREAD `xread` (no BLOCK) in one MULTI with XINFO STREAM for each room
    // that may have fallen behind the trim window.
    void sendCheckedRead(const QList<QByteArray> &xread);
    // `readNow`: entries the XREAD in the same MULTI returned for `room`.
    void onTrimInfo(const QString &room, const QByteArray &lastId, quint64 generation,
        const RedisValue &reply, qint64 readNow);

    Settings m_settings;
    RedisConnection &m_reader;
    RedisConnection &m_commands;
    QPointer<RedisConnection> m_commandsAlive; // a retired reader may outlive the links
    QHash<QString, QByteArray> m_lastIds; // room -> last id handed over
    // room -> entries read or reported missed, all at or before its last id
    // (absent: unknown); what makes a trimmed gap's size exact.
    QHash<QString, qint64> m_accounted;
    // Rooms to check for trimmed entries with the next XREAD: all of them after
    // the link came back, any that returned a full batch (a backlog) or
    // entries more than a second old, and any whose check was undecided.
    QSet<QString> m_checkRooms;
    bool m_wasDown = false; // the link dropped since the reader last opened
    bool m_trimCheckUnavailable = false; // XINFO STREAM lacks the fields (Redis < 7.0)
    bool m_open = false;
    bool m_inFlight = false;
    quint64 m_generation = 0; // bumped by restartAll(): older replies are stale
    quint64 m_inFlightGeneration = 0;
    QSet<QString> m_inFlightRooms;
    qint64 m_clientId = -1; // the reader's CLIENT ID on its current link
    int m_wakeTries = 0;
    bool m_waking = false;
    bool m_closed = false;
    QTimer m_retryTimer; // after a Redis error reply: do not spin
    QTimer m_wakeTimer;
};

} // namespace farmchat
