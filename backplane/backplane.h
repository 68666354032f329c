#pragma once

#include "core/result.h"
#include "protocol/backplanemode.h"
#include "protocol/chatmessage.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>

namespace farmchat {

// What a backplane reports about itself for /health, /metrics and logs.
struct BackplaneStatus
{
    BackplaneMode mode = BackplaneMode::Off;
    bool redisConnected = false; // always false in Off
    QString lastError; // empty when none since start
    qint64 lastErrorAtMs = 0;
    qint64 outboxDepth = 0; // streams: messages waiting for Redis
    QString epoch; // streams: the farm's history epoch
    // Redis refused this node's last write for memory (at `maxmemory`, evicting
    // nothing) and no write has succeeded since: sends fail until memory frees.
    bool redisFull = false;
    qint64 roomsRead = 0; // rooms whose messages come from Redis (subscribed or read)
    // Of those, rooms Redis has not confirmed yet (SUBSCRIBE unanswered, no
    // stream position): another node's message to them now is not received live.
    qint64 roomsPending = 0;
};

// A message the backplane took, reported to its sender.
struct Published
{
    QString id; // the message's final id
    // Set when local clients got the message but other nodes did not (pubsub
    // while Redis is down): the sender is warned with this text.
    QString warning;
    // The warning is Redis refusing for memory, not a broken link.
    bool redisFull = false;
};

// Why nobody received a message: the text the sender gets in its error
// Completion, and whether Redis refused it for memory (it needs memory freed,
// not patience) rather than a broken link.
struct PublishError
{
    PublishError() = default;
    PublishError(QString text, bool redisFull = false) : text(std::move(text)), redisFull(redisFull)
    { }
    QString text;
    bool redisFull = false;
};

// The result of handing one message to the backplane: published, or an error
// when nobody received it.
using PublishOutcome = Result<Published, PublishError>;

// The hub's only way to reach other nodes. One class per mode (off, pubsub,
// streams) plus an in-process loopback for tests; the hub never knows which.
//
// The hub calls publish() with a message whose id is a node-unique id and whose
// `via` is Local. The backplane emits deliver() for every message that this
// node's clients in message.room must receive (its own included, in the order
// they must see them) and calls `done` exactly once per publish().
class Backplane : public QObject
{
    Q_OBJECT
public:
    using PublishDone = std::function<void(const PublishOutcome &)>;
    using HistoryDone = std::function<void(const Result<QList<ChatMessage>> &messages)>;
    struct Pending
    {
        ChatMessage message;
        PublishDone done;
    };

    using QObject::QObject;
    ~Backplane() override = default;

    virtual BackplaneMode mode() const = 0;
    virtual void publish(const ChatMessage &message, PublishDone done) = 0;

    // The first local client joined / the last one left a room. Rooms are
    // watched before any message for them is published.
    virtual void watchRoom(const QString &room) = 0;
    virtual void unwatchRoom(const QString &room) = 0;
    // Whether what other nodes publish to `room` from now on reaches this node:
    // its subscription is confirmed (pubsub) or its start position in the
    // room's stream is known (streams). The hub answers JoinRoom only then, so
    // a message sent after that Completion is never missed. True for a room
    // not watched, and while Redis is away (nothing to wait for: the streams
    // position then goes by the clock, pubsub counts what it misses). When it
    // turns true, roomReady() says so.
    virtual bool isRoomReady(const QString &room) const
    {
        Q_UNUSED(room);
        return true;
    }

    // True when history is farm-wide and comes from the backplane (streams);
    // otherwise the hub answers History from its own ring buffer.
    virtual bool servesHistory() const { return false; }
    virtual void history(const QString &room, const QString &afterId, int limit, HistoryDone done)
    {
        Q_UNUSED(room);
        Q_UNUSED(afterId);
        Q_UNUSED(limit);
        done(
            Result<QList<ChatMessage>>::failure(QStringLiteral("this backplane keeps no history")));
    }

    virtual BackplaneStatus status() const = 0;

    // On a live switch the outgoing backplane hands over what it accepted but
    // could not publish yet, so the next one sends it: nothing is lost.
    virtual QList<Pending> takePending() { return {}; }

    // Where a retired backplane sends a message it can no longer publish:
    // the switch publishes it through whatever backplane is current.
    using HandOver = std::function<void(Pending pending)>;
    // A live switch replaced this backplane (after takePending()). It takes no
    // new work and stops listening to other nodes, but finishes what it has
    // in flight: a message Redis confirms is still delivered to this node's
    // clients, one it can no longer send goes to `handOver`, every sender
    // still gets its one answer. drained() says when nothing is left; the
    // owner then destroys it. The default has nothing in flight.
    virtual void retire(HandOver handOver) { Q_UNUSED(handOver); }
    virtual bool isDrained() const { return true; }

Q_SIGNALS:
    void deliver(const farmchat::ChatMessage &message);
    // After retire(): the last work in flight finished.
    void drained();
    void statusChanged();
    // The farm's history was lost (Redis restarted empty): clients in `room`
    // must drop their last-seen ids and fetch History from the start.
    void historyReset(const QString &room);
    // isRoomReady(room) turned true.
    void roomReady(const QString &room);
};

} // namespace farmchat
