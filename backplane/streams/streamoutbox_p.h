#pragma once

#include "backplane/streams/streamoutgoing_p.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace farmchat {

class RedisConnection;
class RedisValue;
class UnreadOwnMessages;

// The streams backplane's sending side: XADDs this node's messages to their
// rooms' streams in the order it accepted them. What cannot go yet (Redis
// unreachable, the send window full) waits here, at most `capacity`
// messages; so do the senders of messages queued or in flight. Flow control:
// at most a quarter of the history window is sent but not yet read back by
// this node's own reader, so a burst (the outbox after an outage) cannot push
// entries out of MAXLEN before readers see them. The owner decides what each
// XADD's reply means (`onReply`).
class StreamOutbox : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        QString keyPrefix; // "{prefix}:stream:"
        int history = 1000; // MAXLEN ~
        int capacity = 10000;
        int sendWindow = 500; // XADDs in flight at once
        int trimGraceMs = 10000; // see holdTrimming()
        // Every XADD is followed, in the same pipeline, by PEXPIRE of the
        // room's stream: a room with no message for this long is removed.
        // 0: streams never expire.
        qint64 roomIdleTtlMs = 0;
        // Durability across a failover: after each XADD, WAIT until this many
        // replicas have it (at most waitTimeoutMs) before the sender is
        // answered. 0: answer on the primary's word alone.
        int waitReplicas = 0;
        int waitTimeoutMs = 500;
    };
    using ReplyHandler = std::function<void(OutgoingMessage out, const RedisValue &reply)>;

    StreamOutbox(Settings settings, RedisConnection &commands, const UnreadOwnMessages &unreadOwn,
        ReplyHandler onReply, QObject *parent = nullptr);
    // Senders of messages still queued get their one answer.
    ~StreamOutbox() override;

    qsizetype size() const { return qsizetype(m_queue.size()); }
    bool isEmpty() const { return m_queue.empty(); }
    bool isFull() const { return size() >= m_settings.capacity; }
    int inFlight() const { return m_inFlight; }
    bool mayPublishMore() const;

    void append(OutgoingMessage out);
    // An XADD whose reply was lost goes back ahead of what was queued after
    // it, so the origin's order holds.
    void requeue(OutgoingMessage out);
    // Re-publishes go first, in their old order, before anything still queued.
    void prepend(std::deque<OutgoingMessage> messages);
    void send(OutgoingMessage out);
    // Sends from the front while flow control allows; the caller knows the
    // command link is usable.
    void flush();
    // After the command link (re)connects: XADD without MAXLEN for a while,
    // longer than the longest back-off, so every reader is back first.
    void holdTrimming();
    // Messages with a waiting sender, for the next backplane; the queue is empty afterwards.
    QList<Backplane::Pending> takePending();
    // The same for `room` only (it moved to another shard); the rest stays queued.
    QList<Backplane::Pending> takePendingFor(const QString &room);

    // The senders waiting for an answer, by uid.
    void awaitAnswer(const OutgoingMessage &out) { m_waiting.insert(out.uid, out.ticket); }
    std::shared_ptr<PublishTicket> waitingTicket(const QString &uid) const
    {
        return m_waiting.value(uid);
    }
    // Gives the sender of `out` its answer, if it is still waiting.
    void answer(const OutgoingMessage &out, const PublishOutcome &outcome);
    // Takes the callback of a still-waiting sender, to answer elsewhere.
    Backplane::PublishDone release(const OutgoingMessage &out);

Q_SIGNALS:
    void depthChanged();

private:
    QList<Backplane::Pending> takePendingWhere(
        const std::function<bool(const ChatMessage &)> &matches);
    void expire(const QByteArray &key);
    void setReplicasShort(bool isShort);
    void probeReplicas();
    void sendWait();
    int unreadLimit() const { return std::max(1, m_settings.history / 4); }

    Settings m_settings;
    RedisConnection &m_commands;
    const UnreadOwnMessages &m_unreadOwn;
    ReplyHandler m_onReply;
    std::deque<OutgoingMessage> m_queue;
    qsizetype m_requeueAt = 0; // where the next failed XADD goes back, keeping order
    int m_inFlight = 0;
    qint64 m_trimFromMs = 0;
    bool m_expireFailing = false; // logged once per run of PEXPIRE failures
    // WAIT found fewer replicas than asked (e.g. the new primary after a
    // failover has none yet): each WAIT would block the link for its whole
    // timeout, so sends are answered at once with the warning until ROLE
    // (every second) shows enough replicas again.
    bool m_replicasShort = false;
    QTimer m_replicaProbe;
    bool m_probeInFlight = false;
    // XADDs (with WAIT) whose replies are held until the next WAIT answers.
    struct Awaiting
    {
        OutgoingMessage out;
        std::shared_ptr<std::optional<RedisValue>> held;
    };
    std::vector<Awaiting> m_awaiting;
    bool m_waitInFlight = false;
    QHash<QString, std::shared_ptr<PublishTicket>> m_waiting; // uid -> unanswered ticket
};

} // namespace farmchat
