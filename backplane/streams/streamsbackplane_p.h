#pragma once

#include "backplane/backplane.h"
#include "backplane/streams/sentlog_p.h"
#include "backplane/streams/streamepochwatch_p.h"
#include "backplane/streams/streaminbox_p.h"
#include "backplane/streams/streamoutbox_p.h"
#include "backplane/streams/unreadownmessages_p.h"

#include <QSet>
#include <QTimer>

namespace farmchat {

class RedisConnection;
struct BackplaneCounters;

// Backplane mode `streams`: XADD {prefix}:stream:{room} MAXLEN ~ history, and
// every node (this one included) delivers what its reader reads, so all nodes
// show one order per room; the message id is the stream id. While Redis is
// unreachable accepted messages wait in a bounded outbox and go out in order
// when it returns; readers resume from their last ids and drop repeats by
// uid, so nothing is lost within the history window and nothing shows twice.
// A reader that fell behind the window (its link down or stalled while the
// other nodes trimmed) finds out (StreamReader's trim check): the entries it
// missed are counted as dropped{trimmed} and its clients get historyReset.
// An epoch key tells when Redis came back empty: then every room restarts
// from the new stream's beginning, clients are told (historyReset), and this
// node re-publishes what it sent shortly before the loss, which nodes that
// had not read it yet would otherwise never see.
//
// The parts: StreamOutbox (sending), StreamInbox (reading), StreamEpochWatch
// (the epoch), SentLog (what to re-publish), UnreadOwnMessages (flow
// control); this class decides what each event means for the others.
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
        // A room's stream is removed after this long without a message
        // (PEXPIRE with every XADD); 0: never.
        qint64 roomIdleTtlMs = 0;
        // While Redis is full: how often a tiny write checks whether it has
        // room again, so /health recovers without waiting for a sender.
        int fullProbeMs = 1000;
        // WAIT for this many replicas after each XADD (StreamOutbox::Settings).
        int waitReplicas = 0;
        int waitTimeoutMs = 500;
        // Set the outboxDepth gauge; false for a part of a larger backplane
        // (one shard of a cluster), which sums its parts' depths.
        bool reportsOutboxDepth = true;
    };

    StreamsBackplane(Config config, RedisConnection &commands, RedisConnection &reader,
        BackplaneCounters &counters, QObject *parent = nullptr);
    ~StreamsBackplane() override;

    BackplaneMode mode() const override { return BackplaneMode::Streams; }
    void publish(const ChatMessage &message, PublishDone done) override;
    void watchRoom(const QString &room) override;
    void unwatchRoom(const QString &room) override;
    bool isRoomReady(const QString &room) const override { return m_inbox.isStarted(room); }
    bool servesHistory() const override { return true; }
    void history(const QString &room, const QString &afterId, int limit, HistoryDone done) override;
    BackplaneStatus status() const override;
    QList<Pending> takePending() override;
    void retire(HandOver handOver) override;
    bool isDrained() const override { return m_retired && m_outbox.inFlight() == 0; }

    // `room` now lives on another shard (a cluster's map moved its slot):
    // this part stops reading it and hands over what it still held for it.
    struct RoomHandOver
    {
        QList<ChatMessage> confirmed; // sent, confirmed, not read back: deliver now
        QList<Pending> pending; // not sent yet: for the room's new shard
    };
    RoomHandOver handOverRoom(const QString &room);

    QByteArray streamKey(const QString &room) const;
    QByteArray epochKey() const;
    // The reader has a position in `room` and is reading (tests wait for it).
    bool isReading(const QString &room) const { return m_inbox.isReading(room); }

private:
    QString streamKeyPrefix() const;
    bool canSend() const;
    void onCommandsReady();
    void onCommandsState();
    void onHistoryLost(const QString &previous, const QString &epoch);
    void onXAddReply(OutgoingMessage out, const RedisValue &reply);
    void onRetiredXAddReply(OutgoingMessage out, const RedisValue &reply);
    void flush();
    void onAdvanced(const QString &room, const QByteArray &lastId);
    void answered(const OutgoingMessage &out, const QString &id);
    // Answers the senders of re-sent messages still waiting for the read-back
    // (all of them, or those of `room`) with the id of the copy they sent.
    void answerResentCopies(const QString &room = {});
    void answerCopiesPassed(const QString &room);
    void onEntryRead(const StreamEntry &entry);
    void noteError(const QString &error);
    // Redis refused a write for memory / accepted one: the `redisFull` state.
    void setRedisFull(bool full);
    void probeMemory();
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
    StreamEpochWatch m_epoch;
    StreamInbox m_inbox;
    UnreadOwnMessages m_unreadOwn;
    SentLog m_sent;
    QSet<QString> m_resetsToSend; // rooms whose clients must hear historyReset
    // uids whose XADD went unanswered and was sent again: Redis may hold two
    // copies, and readers keep whichever comes first in the stream.
    QSet<QString> m_resent;
    // Re-sent messages Redis confirmed, by uid, whose sender hears the id the
    // readers keep when our reader reads the message back (onEntryRead); the
    // confirmed copy's id if the reader passes it without (trimmed, or it
    // started after it) or will not read the room (unwatched, retired).
    struct ResentCopy
    {
        StreamId id;
        OutgoingMessage out;
    };
    QHash<QString, ResentCopy> m_awaitingReadBack;
    bool m_commandsEpochOk = false;
    bool m_commandsWasReady = false;
    qint64 m_commandsLostAtMs = 0;
    QString m_lastError;
    qint64 m_lastErrorAtMs = 0;
    QTimer m_statusTimer;
    bool m_redisFull = false;
    QTimer m_fullProbeTimer;
    bool m_retired = false;
    HandOver m_handOver; // after retire(): where a message we can no longer send goes
    // Last, so it is destroyed first: it answers the senders still queued
    // while everything else is whole.
    StreamOutbox m_outbox;
};

} // namespace farmchat
