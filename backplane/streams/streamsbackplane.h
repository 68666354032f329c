#pragma once

#include "backplane/backplane.h"
#include "backplane/streams/seenuids.h"
#include "backplane/streams/streamid.h"
#include "backplane/streams/streamreader.h"

#include <QHash>
#include <QSet>
#include <QTimer>

#include <deque>
#include <memory>

namespace farmchat {

class RedisConnection;
struct BackplaneCounters;

// Backplane mode `streams`: XADD {prefix}:stream:{room} MAXLEN ~ history, and
// every node (this one included) delivers what its StreamReader reads, so all
// nodes show one order per room; the message id is the stream id. While Redis
// is unreachable accepted messages wait in a bounded outbox and go out in
// order when it returns; readers resume from their last ids and drop repeats
// by uid, so nothing is lost within the history window and nothing shows
// twice. An epoch key tells when Redis came back empty: then every room
// restarts from the new stream's beginning, clients are told (historyReset),
// and this node re-publishes what it sent shortly before the loss, which
// nodes that had not read it yet would otherwise never see.
class StreamsBackplane final : public Backplane
{
    Q_OBJECT
public:
    struct Config
    {
        QString nodeId;
        QString channelPrefix;
        int history = 1000; // MAXLEN ~
        int outboxCapacity = 10000;
        int readCount = 200;
        int blockMs = 5000;
        int republishWindowMs = 3000; // before the loss of Redis' data
        int dedupeCapacity = 50000; // uids remembered
        int sendWindow = 500; // XADDs in flight at once while draining the outbox
        // After the command link (re)connects, XADD without MAXLEN this long:
        // longer than the longest back-off, so every reader is back first.
        int trimGraceMs = 10000;
    };

    StreamsBackplane(Config config, RedisConnection &commands, RedisConnection &reader,
        BackplaneCounters &counters, QObject *parent = nullptr);
    ~StreamsBackplane() override;

    BackplaneMode mode() const override { return BackplaneMode::Streams; }
    void publish(const ChatMessage &message, PublishDone done) override;
    void watchRoom(const QString &room) override;
    void unwatchRoom(const QString &room) override;
    bool servesHistory() const override { return true; }
    void history(const QString &room, const QString &afterId, int limit, HistoryDone done) override;
    BackplaneStatus status() const override;
    QList<Pending> takePending() override;
    void retire(HandOver handOver) override;
    bool isDrained() const override { return m_retired && m_inFlight == 0; }

    QByteArray streamKey(const QString &room) const;
    QByteArray epochKey() const;
    // The reader has a position in `room` and is reading (tests wait for it).
    bool isReading(const QString &room) const
    {
        return m_streamReader.isOpen() && m_streamReader.hasRoom(room);
    }

private:
    // Shared by the outbox and the XADD in flight: the first answer (XADD
    // reply, or our reader seeing the uid) wins; it outlives this object so
    // an XADD in flight during a mode switch still answers its sender.
    struct Ticket
    {
        PublishDone done;
    };
    struct Outgoing
    {
        ChatMessage message; // id: the uid, or for a re-publish the id clients know
        QString uid; // the hub's node-unique id
        std::shared_ptr<Ticket> ticket; // null for a re-publish
        QByteArray knownId; // re-publish: the id clients know it by
        qint64 acceptedAtMs = 0; // re-publish: when Redis first had it
    };
    struct Sent
    {
        ChatMessage message; // id: as clients know it
        QString uid;
        qint64 acceptedAtMs = 0;
    };
    // One of ours that Redis confirmed and our reader has not passed yet.
    struct UnreadOwn
    {
        StreamId id;
        ChatMessage message; // as clients will see it
    };

    bool canSend() const;
    void onCommandsReady();
    void onCommandsState();
    void checkEpoch(RedisConnection &link, std::function<void()> confirmed);
    void adoptEpoch(const QString &epoch);
    void startRoom(const QString &room);
    void startWaitingRooms();
    void enqueue(Outgoing out, bool atFront);
    void send(Outgoing out);
    void onXAddReply(Outgoing out, const RedisValue &reply);
    void onRetiredXAddReply(Outgoing out, const RedisValue &reply);
    void flush();
    // Flow control: this node keeps at most a quarter of the history window
    // sent but not yet read back by its own reader, so a burst (the outbox
    // after an outage) cannot push entries out of MAXLEN before readers see them.
    bool mayPublishMore() const;
    int unreadLimit() const { return std::max(1, m_config.history / 4); }
    void onAdvanced(const QString &room, const QByteArray &lastId);
    void answered(const Outgoing &out, const QString &id);
    void onEntries(const QString &room, const QList<StreamEntry> &entries);
    void noteError(const QString &error);
    // historyReset for every room affected by a new epoch, but only once the
    // command link (which History reads on) is back on that epoch: clients ask
    // for History the moment they are told.
    void sendResets();
    void outboxChanged();
    void statusSoon();

    Config m_config;
    RedisConnection &m_commands;
    RedisConnection &m_reader;
    BackplaneCounters &m_counters;
    StreamReader m_streamReader;
    std::deque<Outgoing> m_outbox;
    qsizetype m_requeueAt = 0; // where the next failed XADD goes back, keeping order
    int m_inFlight = 0;
    QHash<QString, std::shared_ptr<Ticket>> m_waiting; // uid -> unanswered ticket
    QHash<QString, std::deque<UnreadOwn>> m_unreadOwn; // room -> ours, not read back yet
    qsizetype m_unreadOwnCount = 0;
    QSet<QString> m_rooms;
    QSet<QString> m_roomsToStart; // watched while the command link was not ready
    QSet<QString> m_resetsToSend; // rooms whose clients must hear historyReset
    bool m_commandsEpochOk = false;
    bool m_commandsWasReady = false;
    qint64 m_commandsLostAtMs = 0;
    qint64 m_trimFromMs = 0;
    QString m_epoch;
    quint64 m_epochGeneration = 0;
    SeenUids m_seen;
    std::deque<Sent> m_sent; // what this node had accepted recently, for a re-publish
    QString m_lastError;
    qint64 m_lastErrorAtMs = 0;
    QTimer m_statusTimer;
    bool m_retired = false;
    HandOver m_handOver; // after retire(): where a message we can no longer send goes
};

} // namespace farmchat
