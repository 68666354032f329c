#include "backplane/streams/streamsbackplane_p.h"

#include "backplane/backplanecounters.h"
#include "backplane/streams/streamhistory_p.h"
#include "backplane/streams/streamid_p.h"
#include "backplane/streams/streamslogging_p.h"
#include "redis/redisconnection.h"

#include <QDateTime>
#include <QPointer>

namespace farmchat {

Q_LOGGING_CATEGORY(lcStreams, "farmchat.backplane.streams", QtInfoMsg)

namespace {

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

StreamsBackplane::StreamsBackplane(Config config, RedisConnection &commands,
    RedisConnection &reader, BackplaneCounters &counters, QObject *parent)
    : Backplane(parent)
    , m_config(std::move(config))
    , m_commands(commands)
    , m_reader(reader)
    , m_counters(counters)
    , m_epoch(epochKey())
    , m_inbox({streamKeyPrefix(), m_config.readCount, m_config.blockMs, m_config.dedupeCapacity},
          reader, commands, m_epoch, counters)
    , m_sent(m_config.republishWindowMs)
    , m_outbox({streamKeyPrefix(), m_config.history, m_config.outboxCapacity, m_config.sendWindow,
                   m_config.trimGraceMs, m_config.roomIdleTtlMs, m_config.waitReplicas,
                   m_config.waitTimeoutMs},
          commands, m_unreadOwn, [this](OutgoingMessage out, const RedisValue &reply) {
              onXAddReply(std::move(out), reply);
          })
{
    m_statusTimer.setSingleShot(true);
    m_statusTimer.setInterval(0);
    connect(&m_statusTimer, &QTimer::timeout, this, &Backplane::statusChanged);
    m_fullProbeTimer.setInterval(m_config.fullProbeMs);
    connect(&m_fullProbeTimer, &QTimer::timeout, this, &StreamsBackplane::probeMemory);
    connect(&m_inbox, &StreamInbox::entryRead, this, &StreamsBackplane::onEntryRead);
    connect(&m_inbox, &StreamInbox::advanced, this, &StreamsBackplane::onAdvanced);
    connect(&m_inbox, &StreamInbox::failed, this, &StreamsBackplane::noteError);
    connect(&m_inbox, &StreamInbox::started, this, &Backplane::roomReady);
    connect(&m_inbox, &StreamInbox::started, this, &StreamsBackplane::answerCopiesPassed);
    connect(&m_inbox, &StreamInbox::trimmed, this, [this](const QString &room) {
        m_resetsToSend.insert(room);
        sendResets();
    });
    connect(&m_epoch, &StreamEpochWatch::epochKnown, this, &StreamsBackplane::statusSoon);
    connect(&m_epoch, &StreamEpochWatch::historyLost, this, &StreamsBackplane::onHistoryLost);
    connect(&m_epoch, &StreamEpochWatch::failed, this, &StreamsBackplane::noteError);
    connect(&m_outbox, &StreamOutbox::depthChanged, this, &StreamsBackplane::outboxChanged);
    connect(&m_commands, &RedisConnection::ready, this, &StreamsBackplane::onCommandsReady);
    connect(&m_commands, &RedisConnection::stateChanged, this, &StreamsBackplane::onCommandsState);
    connect(&m_reader, &RedisConnection::ready, this,
        [this] { m_epoch.check(m_reader, [this] { m_inbox.open(); }); });
    for (RedisConnection *link : {&m_commands, &m_reader}) {
        connect(link, &RedisConnection::stateChanged, this, &StreamsBackplane::statusSoon);
        connect(link, &RedisConnection::attemptFailed, this, &StreamsBackplane::statusSoon);
    }
    // The links may be up already (a live switch from another mode).
    if (m_commands.isReady())
        onCommandsReady();
    if (m_reader.isReady())
        m_epoch.check(m_reader, [this] { m_inbox.open(); });
}

StreamsBackplane::~StreamsBackplane()
{
    answerResentCopies(); // Redis has them: never left without an answer
}

QString StreamsBackplane::streamKeyPrefix() const
{
    return m_config.channelPrefix + QStringLiteral(":stream:");
}

QByteArray StreamsBackplane::streamKey(const QString &room) const
{
    return (streamKeyPrefix() + room).toUtf8();
}

QByteArray StreamsBackplane::epochKey() const
{
    return (m_config.channelPrefix + QStringLiteral(":epoch")).toUtf8();
}

bool StreamsBackplane::canSend() const
{
    return m_commands.isReady() && m_commandsEpochOk;
}

void StreamsBackplane::statusSoon()
{
    if (!m_statusTimer.isActive())
        m_statusTimer.start();
}

void StreamsBackplane::noteError(const QString &error)
{
    m_lastError = error;
    m_lastErrorAtMs = now();
    statusSoon();
}

void StreamsBackplane::outboxChanged()
{
    if (m_config.reportsOutboxDepth)
        m_counters.outboxDepth = qint64(m_outbox.size());
    statusSoon();
}

void StreamsBackplane::onHistoryLost(const QString &previous, const QString &epoch)
{
    m_inbox.restartFromBeginning();
    m_unreadOwn.clear();
    answerResentCopies(); // their stream is gone: no read-back to wait for
    // Re-publish what we sent shortly before Redis lost it: some nodes may not
    // have read it yet. Readers that had it drop the copy by uid; readers that
    // had not deliver it under the id clients already know (clients drop a
    // second copy by id). Copies go first, in their old order, before
    // anything still queued, so each origin's messages keep their order.
    const qint64 since
        = (m_commandsLostAtMs > 0 ? m_commandsLostAtMs : now()) - m_config.republishWindowMs;
    std::deque<OutgoingMessage> again = m_sent.takeSince(since);
    const auto republished = again.size();
    m_outbox.prepend(std::move(again));
    qCWarning(lcStreams).noquote()
        << QStringLiteral("Redis lost its data (history epoch %1 -> %2): every room restarts "
                          "from the new stream; %3 recent message(s) of this node are re-published")
               .arg(previous, epoch)
               .arg(republished);
    noteError(QStringLiteral("Redis restarted empty: the farm's history was lost"));
    m_resetsToSend.unite(m_inbox.rooms());
    sendResets();
}

void StreamsBackplane::sendResets()
{
    if (!canSend() || m_resetsToSend.isEmpty())
        return;
    const QSet<QString> rooms = std::exchange(m_resetsToSend, {});
    const QPointer<StreamsBackplane> self(this);
    for (const QString &room : rooms) {
        if (!m_inbox.watches(room))
            continue;
        Q_EMIT historyReset(room);
        if (!self)
            return;
    }
}

void StreamsBackplane::onCommandsReady()
{
    m_outbox.holdTrimming();
    m_commandsWasReady = true;
    m_commandsEpochOk = false;
    m_epoch.check(m_commands, [this] {
        m_commandsEpochOk = true;
        const QPointer<StreamsBackplane> self(this);
        sendResets();
        if (!self)
            return;
        m_inbox.startWaitingRooms();
        if (!m_outbox.isEmpty())
            qCInfo(lcStreams) << "Redis is back: sending" << m_outbox.size()
                              << "queued message(s) in order";
        flush();
        statusSoon();
    });
}

void StreamsBackplane::onCommandsState()
{
    if (m_commands.isReady())
        return;
    m_commandsEpochOk = false;
    if (m_commandsWasReady) {
        m_commandsWasReady = false;
        m_commandsLostAtMs = now();
    }
}

void StreamsBackplane::watchRoom(const QString &room)
{
    m_inbox.watch(room, canSend());
}

void StreamsBackplane::unwatchRoom(const QString &room)
{
    answerResentCopies(room); // no longer read back here
    m_inbox.unwatch(room);
    m_unreadOwn.forgetRoom(room);
    flush();
}

StreamsBackplane::RoomHandOver StreamsBackplane::handOverRoom(const QString &room)
{
    RoomHandOver handOver {m_unreadOwn.takeRoom(room), m_outbox.takePendingFor(room)};
    unwatchRoom(room);
    return handOver;
}

void StreamsBackplane::publish(const ChatMessage &message, PublishDone done)
{
    OutgoingMessage out {message, message.id,
        std::make_shared<PublishTicket>(PublishTicket {std::move(done)}), {}, 0, {}};
    if (canSend() && m_outbox.isEmpty() && m_outbox.mayPublishMore()) {
        m_outbox.awaitAnswer(out);
        m_outbox.send(std::move(out));
        return;
    }
    if (m_outbox.isFull()) {
        ++m_counters.backplaneDropped[QStringLiteral("outbox_full")];
        out.ticket->answer(PublishOutcome::failure(
            QStringLiteral("backplane outbox full (%1 messages waiting for Redis)")
                .arg(m_outbox.size())));
        return;
    }
    m_outbox.awaitAnswer(out);
    m_outbox.append(std::move(out));
}

void StreamsBackplane::onXAddReply(OutgoingMessage out, const RedisValue &reply)
{
    if (m_retired) {
        onRetiredXAddReply(std::move(out), reply);
        return;
    }
    if (const auto added
        = reply.isString() ? StreamId::parse(QByteArrayView(reply.bytes())) : std::nullopt) {
        ++m_counters.backplanePublished;
        setRedisFull(false);
        const QString &room = out.message.room;
        const QString id = out.knownId.isEmpty() ? QString::fromLatin1(reply.bytes())
                                                 : QString::fromLatin1(out.knownId);
        ChatMessage confirmed = out.message;
        confirmed.id = id;
        confirmed.via = Via::Streams;
        const bool readHere = m_inbox.watches(room);
        const bool willRead = readHere && m_inbox.willRead(room, *added);
        if (willRead)
            m_unreadOwn.add(room, *added, confirmed);
        // Still to be read: after its position, or from one not known yet.
        const bool readLater = readHere && (willRead || !m_inbox.hasPosition(room));
        if (m_resent.remove(out.uid) && readLater && out.awaitsAnswer()
            && m_config.waitReplicas == 0) {
            // Sent again after an unanswered XADD: an earlier copy may be in
            // the stream before this one, and every reader (ours included)
            // keeps the first copy, under its id. The sender gets that id
            // when our reader reads the message back.
            m_awaitingReadBack.insert(out.uid, {*added, std::move(out)});
        } else {
            answered(out, id);
        }
        // Not read here (the room moved to another shard, or its last local
        // client left): this node's clients get it from here or never.
        if (!readHere) {
            const QPointer<StreamsBackplane> self(this);
            Q_EMIT deliver(confirmed);
            if (!self)
                return;
        }
    } else if (reply.isLinkError()) {
        // Uncertain: Redis may have it. Send it again unless our reader saw it;
        // if both copies land, readers keep the first by uid. Counted, since
        // the stream may then hold two entries of one message.
        if (!out.ticket || out.ticket->done) {
            ++m_counters.backplaneUnconfirmed;
            m_resent.insert(out.uid);
            m_outbox.requeue(std::move(out));
        }
        noteError(reply.errorText());
    } else {
        ++m_counters.backplaneErrors;
        const QString error = QStringLiteral("Redis refused the message: ")
            + (reply.isError() ? reply.errorText() : reply.describe());
        // A full Redis is logged when it starts and ends, not per message.
        if (!reply.isOutOfMemory() || !m_redisFull)
            qCWarning(lcStreams).noquote() << error;
        noteError(error);
        setRedisFull(reply.isOutOfMemory());
        m_resent.remove(out.uid);
        m_outbox.answer(out, PublishOutcome::failure({error, reply.isOutOfMemory()}));
    }
    flush();
}

void StreamsBackplane::setRedisFull(bool full)
{
    if (full == m_redisFull)
        return;
    m_redisFull = full;
    if (full) {
        m_fullProbeTimer.start();
    } else {
        m_fullProbeTimer.stop();
        qCInfo(lcStreams) << "Redis accepts messages again: it has memory to spare";
    }
    statusSoon();
}

void StreamsBackplane::probeMemory()
{
    // XADD is refused for memory, PEXPIRE and reads are not: a tiny SET that
    // expires at once tells whether a write would be accepted now.
    if (!canSend())
        return;
    const QPointer<StreamsBackplane> self(this);
    m_commands.command({"SET", (m_config.channelPrefix + QStringLiteral(":probe:memory")).toUtf8(),
                           m_config.nodeId.toUtf8(), "PX", "1000"},
        [self](const RedisValue &reply) {
            if (self && !self->m_retired && !reply.isLinkError() && !reply.isError())
                self->setRedisFull(false);
        });
}

void StreamsBackplane::onRetiredXAddReply(OutgoingMessage out, const RedisValue &reply)
{
    // Our reader is closed: whatever is confirmed now, this node's clients get
    // from here, or never. Re-publishes (no ticket) were delivered long ago.
    const bool unanswered = out.awaitsAnswer();
    const QPointer<StreamsBackplane> self(this);
    const auto added
        = reply.isString() ? StreamId::parse(QByteArrayView(reply.bytes())) : std::nullopt;
    if (added) {
        ++m_counters.backplanePublished;
        ChatMessage confirmed = out.message;
        confirmed.id = out.knownId.isEmpty() ? QString::fromLatin1(reply.bytes())
                                             : QString::fromLatin1(out.knownId);
        confirmed.via = Via::Streams;
        answered(out, confirmed.id);
        if (self && unanswered)
            Q_EMIT deliver(confirmed);
    } else if (unanswered) {
        PublishDone done = m_outbox.release(out);
        if (reply.isLinkError()) {
            // Redis may or may not have it, and this node no longer reads the
            // stream: the current backplane sends it (and delivers it here).
            m_handOver(Pending {out.message, std::move(done)});
        } else {
            ++m_counters.backplaneErrors;
            done(PublishOutcome::failure({QStringLiteral("Redis refused the message: ")
                    + (reply.isError() ? reply.errorText() : reply.describe()),
                reply.isOutOfMemory()}));
        }
    }
    if (self && isDrained())
        Q_EMIT drained();
}

void StreamsBackplane::retire(HandOver handOver)
{
    m_retired = true;
    m_handOver = std::move(handOver);
    // No more reading, epochs or flushing: only the XADDs in flight finish.
    disconnect(&m_commands, nullptr, this, nullptr);
    disconnect(&m_reader, nullptr, this, nullptr);
    m_inbox.close();
    answerResentCopies(); // no read-back any more; delivered below, under these ids
    m_resent.clear();
    m_resetsToSend.clear();
    m_statusTimer.stop();
    m_fullProbeTimer.stop();
    // Confirmed by Redis but not read back yet: nothing else would bring them
    // to this node's clients now. In stream order within each room.
    const QList<ChatMessage> confirmed = m_unreadOwn.takeAll();
    const QPointer<StreamsBackplane> self(this);
    for (const ChatMessage &message : confirmed) {
        Q_EMIT deliver(message);
        if (!self)
            return;
    }
}

void StreamsBackplane::answered(const OutgoingMessage &out, const QString &id)
{
    m_sent.record(out, id, canSend());
    if (!out.replicationWarning.isEmpty()) {
        ++m_counters.backplaneUnreplicated;
        qCWarning(lcStreams).noquote() << out.replicationWarning;
    }
    m_outbox.answer(out, Published {id, out.replicationWarning});
}

void StreamsBackplane::flush()
{
    if (canSend())
        m_outbox.flush();
}

void StreamsBackplane::onAdvanced(const QString &room, const QByteArray &lastId)
{
    answerCopiesPassed(room);
    if (m_unreadOwn.readUpTo(room, lastId))
        flush();
}

void StreamsBackplane::answerCopiesPassed(const QString &room)
{
    // The reader is past a re-sent copy without having read the message
    // (trimmed unread, or it started after it): the sender gets that copy's id.
    if (m_awaitingReadBack.isEmpty() || !m_inbox.hasPosition(room))
        return;
    for (auto it = m_awaitingReadBack.begin(); it != m_awaitingReadBack.end();) {
        if (it->out.message.room == room && !m_inbox.willRead(room, it->id)) {
            const ResentCopy copy = std::move(it.value());
            it = m_awaitingReadBack.erase(it);
            answered(copy.out, QString::fromLatin1(copy.id.toBytes()));
        } else {
            ++it;
        }
    }
}

void StreamsBackplane::answerResentCopies(const QString &room)
{
    for (auto it = m_awaitingReadBack.begin(); it != m_awaitingReadBack.end();) {
        if (room.isEmpty() || it->out.message.room == room) {
            const ResentCopy copy = std::move(it.value());
            it = m_awaitingReadBack.erase(it);
            answered(copy.out, QString::fromLatin1(copy.id.toBytes()));
        } else {
            ++it;
        }
    }
}

QList<Backplane::Pending> StreamsBackplane::takePending()
{
    return m_outbox.takePending();
}

void StreamsBackplane::onEntryRead(const StreamEntry &entry)
{
    if (entry.message.node == m_config.nodeId) {
        // Our own message read back: it is in Redis, whatever became of the
        // XADD's reply. Not enough with WAIT: read back from a primary that
        // dies before its replica has it, it would be lost after the sender
        // was told it was accepted, so only the WAIT answers then.
        if (const auto ticket = m_outbox.waitingTicket(entry.uid);
            ticket && ticket->done && m_config.waitReplicas == 0) {
            m_awaitingReadBack.remove(entry.uid);
            answered(
                OutgoingMessage {entry.message, entry.uid, ticket, {}, 0, {}}, entry.message.id);
        }
    } else {
        ++m_counters.backplaneReceived; // the hub records backplaneLag when it delivers
    }
    Q_EMIT deliver(entry.message);
}

void StreamsBackplane::history(
    const QString &room, const QString &afterId, int limit, HistoryDone done)
{
    readStreamHistory(m_commands, streamKey(room), room, afterId, limit, std::move(done));
}

BackplaneStatus StreamsBackplane::status() const
{
    BackplaneStatus s;
    s.mode = BackplaneMode::Streams;
    s.redisConnected = m_commands.isReady() && m_reader.isReady();
    s.outboxDepth = qint64(m_outbox.size());
    s.epoch = m_epoch.epoch();
    s.lastError = m_lastError;
    s.lastErrorAtMs = m_lastErrorAtMs;
    s.redisFull = m_redisFull && s.redisConnected;
    s.roomsRead = m_inbox.rooms().size();
    for (const QString &room : m_inbox.rooms())
        s.roomsPending += m_inbox.isReading(room) ? 0 : 1;
    LinkError newest {s.lastError, s.lastErrorAtMs};
    newest.keepNewest(m_commands.lastLinkError());
    newest.keepNewest(m_reader.lastLinkError());
    s.lastError = newest.text;
    s.lastErrorAtMs = newest.atMs;
    return s;
}

} // namespace farmchat
