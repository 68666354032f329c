#include "backplane/streams/streamsbackplane.h"

#include "backplane/backplanecounters.h"
#include "backplane/streams/streamhistory.h"
#include "backplane/streams/streamid.h"
#include "redis/redisconnection.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QPointer>
#include <QUuid>

#include <algorithm>

namespace farmchat {

Q_LOGGING_CATEGORY(lcStreams, "farmchat.backplane.streams", QtInfoMsg)

namespace {

constexpr qsizetype kMaxSentKept = 10000;

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
    , m_streamReader({m_config.channelPrefix + QStringLiteral(":stream:"), m_config.readCount,
                         m_config.blockMs},
          reader, commands)
    , m_seen(m_config.dedupeCapacity)
{
    m_statusTimer.setSingleShot(true);
    m_statusTimer.setInterval(0);
    connect(&m_statusTimer, &QTimer::timeout, this, &Backplane::statusChanged);
    connect(&m_streamReader, &StreamReader::entries, this, &StreamsBackplane::onEntries);
    connect(&m_streamReader, &StreamReader::advanced, this, &StreamsBackplane::onAdvanced);
    connect(&m_streamReader, &StreamReader::invalidEntry, this,
        [this](const QString &room, const QString &error) {
            ++m_counters.backplaneDropped[QStringLiteral("invalid")];
            qCDebug(lcStreams).noquote()
                << "skipped an invalid entry in room" << room << "-" << error;
        });
    connect(&m_streamReader, &StreamReader::readFailed, this, [this](const QString &error) {
        ++m_counters.backplaneErrors;
        noteError(QStringLiteral("XREAD failed: ") + error);
    });
    connect(&m_commands, &RedisConnection::ready, this, &StreamsBackplane::onCommandsReady);
    connect(&m_commands, &RedisConnection::stateChanged, this, &StreamsBackplane::onCommandsState);
    connect(&m_reader, &RedisConnection::ready, this,
        [this] { checkEpoch(m_reader, [this] { m_streamReader.open(); }); });
    for (RedisConnection *link : {&m_commands, &m_reader}) {
        connect(link, &RedisConnection::stateChanged, this, &StreamsBackplane::statusSoon);
        connect(link, &RedisConnection::attemptFailed, this, &StreamsBackplane::statusSoon);
    }
    // The links may be up already (a live switch from another mode).
    if (m_commands.isReady())
        onCommandsReady();
    if (m_reader.isReady())
        checkEpoch(m_reader, [this] { m_streamReader.open(); });
}

StreamsBackplane::~StreamsBackplane()
{
    // Whatever takePending() did not hand over gets its one answer now.
    for (Outgoing &out : m_outbox) {
        if (out.ticket && out.ticket->done)
            std::exchange(out.ticket->done, {})(PublishOutcome {{},
                QStringLiteral("the streams backplane stopped before Redis accepted the message"),
                {}});
    }
}

QByteArray StreamsBackplane::streamKey(const QString &room) const
{
    return (m_config.channelPrefix + QStringLiteral(":stream:") + room).toUtf8();
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
    m_counters.outboxDepth = qint64(m_outbox.size());
    statusSoon();
}

// --- epoch ---------------------------------------------------------------

void StreamsBackplane::checkEpoch(RedisConnection &link, std::function<void()> confirmed)
{
    // SET NX then GET on one link: whoever came first set it, all read the same.
    const QByteArray candidate = QUuid::createUuid().toString(QUuid::Id128).toLatin1();
    link.command({"SET", epochKey(), candidate, "NX"}, nullptr);
    const QPointer<StreamsBackplane> self(this);
    link.command({"GET", epochKey()},
        [self, &link, confirmed = std::move(confirmed)](const RedisValue &reply) {
            if (!self || reply.isLinkError())
                return; // the link's next ready() checks again
            if (!reply.isString() || reply.bytes().isEmpty()) {
                const QString error
                    = QStringLiteral("cannot read the history epoch: ") + reply.describe();
                qCWarning(lcStreams).noquote() << error << "- retrying";
                self->noteError(error);
                QTimer::singleShot(500, self, [self, &link, confirmed] {
                    if (self && link.isReady())
                        self->checkEpoch(link, confirmed);
                });
                return;
            }
            self->adoptEpoch(QString::fromLatin1(reply.bytes()));
            confirmed();
        });
}

void StreamsBackplane::adoptEpoch(const QString &epoch)
{
    if (epoch == m_epoch)
        return;
    if (m_epoch.isEmpty()) {
        m_epoch = epoch;
        qCInfo(lcStreams).noquote() << "farm history epoch" << epoch;
        statusSoon();
        return;
    }
    const QString previous = std::exchange(m_epoch, epoch);
    ++m_epochGeneration;
    m_streamReader.restartAll();
    m_unreadOwn.clear();
    m_unreadOwnCount = 0;
    // Queued behind a new-stream position: the ids clients hold are gone.
    for (const QString &room : std::as_const(m_roomsToStart))
        m_streamReader.addRoom(room, QByteArrayLiteral("0-0"));
    m_roomsToStart.clear();

    // Re-publish what we sent shortly before Redis lost it: some nodes may not
    // have read it yet. Readers that had it drop the copy by uid; readers that
    // had not deliver it under the id clients already know (clients drop a
    // second copy by id). Copies go first, in their old order, before
    // anything still queued, so each origin's messages keep their order.
    const qint64 since
        = (m_commandsLostAtMs > 0 ? m_commandsLostAtMs : now()) - m_config.republishWindowMs;
    std::deque<Outgoing> again;
    for (const Sent &sent : m_sent) {
        if (sent.acceptedAtMs >= since)
            again.push_back(Outgoing {
                sent.message, sent.uid, nullptr, sent.message.id.toLatin1(), sent.acceptedAtMs});
    }
    m_sent.clear();
    for (auto it = again.rbegin(); it != again.rend(); ++it)
        m_outbox.push_front(*it);
    m_requeueAt += qsizetype(again.size());
    outboxChanged();
    qCWarning(lcStreams).noquote()
        << QStringLiteral("Redis lost its data (history epoch %1 -> %2): every room restarts "
                          "from the new stream; %3 recent message(s) of this node are re-published")
               .arg(previous, epoch)
               .arg(again.size());
    noteError(QStringLiteral("Redis restarted empty: the farm's history was lost"));
    m_resetsToSend.unite(m_rooms);
    sendResets();
}

void StreamsBackplane::sendResets()
{
    if (!canSend() || m_resetsToSend.isEmpty())
        return;
    const QSet<QString> rooms = std::exchange(m_resetsToSend, {});
    const QPointer<StreamsBackplane> self(this);
    for (const QString &room : rooms) {
        if (!m_rooms.contains(room))
            continue;
        Q_EMIT historyReset(room);
        if (!self)
            return;
    }
}

// --- the command link ----------------------------------------------------

void StreamsBackplane::onCommandsReady()
{
    m_trimFromMs = now() + m_config.trimGraceMs;
    m_commandsWasReady = true;
    m_commandsEpochOk = false;
    checkEpoch(m_commands, [this] {
        m_commandsEpochOk = true;
        const QPointer<StreamsBackplane> self(this);
        sendResets();
        if (!self)
            return;
        startWaitingRooms();
        if (!m_outbox.empty())
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
    if (m_rooms.contains(room))
        return;
    m_rooms.insert(room);
    if (canSend())
        startRoom(room);
    else
        m_roomsToStart.insert(room);
}

void StreamsBackplane::unwatchRoom(const QString &room)
{
    m_rooms.remove(room);
    m_roomsToStart.remove(room);
    m_streamReader.removeRoom(room);
    m_unreadOwnCount -= qsizetype(m_unreadOwn.take(room).size());
    flush();
}

void StreamsBackplane::startWaitingRooms()
{
    const QSet<QString> rooms = std::exchange(m_roomsToStart, {});
    for (const QString &room : rooms)
        startRoom(room);
}

void StreamsBackplane::startRoom(const QString &room)
{
    // On the command link, so an XADD this node issues after watching the room
    // is ordered after the start position, and so read back.
    const quint64 generation = m_epochGeneration;
    const QPointer<StreamsBackplane> self(this);
    m_commands.command({"XREVRANGE", streamKey(room), "+", "-", "COUNT", "1"},
        [self, room, generation](const RedisValue &reply) {
            if (!self || !self->m_rooms.contains(room))
                return;
            if (generation != self->m_epochGeneration) {
                self->m_streamReader.addRoom(room, QByteArrayLiteral("0-0"));
                return;
            }
            if (reply.isLinkError()) {
                self->m_roomsToStart.insert(room);
                return;
            }
            QByteArray last = QByteArrayLiteral("0-0");
            const auto entries = reply.expectArray("XREVRANGE reply");
            if (!entries) {
                ++self->m_counters.backplaneErrors;
                self->noteError(entries.error());
            } else if (!entries->isEmpty()) {
                const QByteArray id = StreamEntry::idOf(entries->first());
                if (!id.isEmpty())
                    last = id;
            }
            self->m_streamReader.addRoom(room, last);
        });
}

// --- publishing ----------------------------------------------------------

void StreamsBackplane::publish(const ChatMessage &message, PublishDone done)
{
    Outgoing out {message, message.id, std::make_shared<Ticket>(Ticket {std::move(done)}), {}, 0};
    if (canSend() && m_outbox.empty() && mayPublishMore()) {
        m_waiting.insert(out.uid, out.ticket);
        send(std::move(out));
        return;
    }
    if (qsizetype(m_outbox.size()) >= m_config.outboxCapacity) {
        ++m_counters.backplaneDropped[QStringLiteral("outbox_full")];
        std::exchange(out.ticket->done, {})(PublishOutcome {{},
            QStringLiteral("backplane outbox full (%1 messages waiting for Redis)")
                .arg(m_outbox.size()),
            {}});
        return;
    }
    m_waiting.insert(out.uid, out.ticket);
    enqueue(std::move(out), false);
}

void StreamsBackplane::enqueue(Outgoing out, bool atFront)
{
    if (atFront)
        m_outbox.insert(
            m_outbox.begin() + std::min(m_requeueAt++, qsizetype(m_outbox.size())), std::move(out));
    else
        m_outbox.push_back(std::move(out));
    outboxChanged();
}

void StreamsBackplane::send(Outgoing out)
{
    ++m_inFlight;
    // No trimming for a while after (re)connecting: every node is flushing
    // its outbox then, and a reader still in back-off would come back to find
    // the entries it has not read trimmed away.
    QList<QByteArray> args {"XADD", streamKey(out.message.room)};
    if (now() >= m_trimFromMs)
        args << "MAXLEN"
             << "~" << QByteArray::number(m_config.history);
    args << "*";
    args << StreamEntry::fields(out.message, out.uid, out.knownId);
    const QPointer<StreamsBackplane> self(this);
    m_commands.command(args, [self, out](const RedisValue &reply) {
        if (self) {
            self->onXAddReply(out, reply);
            return;
        }
        // Switched away meanwhile: the sender still gets its one answer.
        if (out.ticket && out.ticket->done) {
            const bool ok = reply.isString() && StreamId::parse(QByteArrayView(reply.bytes()));
            std::exchange(out.ticket->done, {})(ok
                    ? PublishOutcome {QString::fromLatin1(reply.bytes()), {}, {}}
                    : PublishOutcome {{}, QStringLiteral("Redis did not confirm the message"), {}});
        }
    });
}

void StreamsBackplane::onXAddReply(Outgoing out, const RedisValue &reply)
{
    --m_inFlight;
    if (m_retired) {
        onRetiredXAddReply(std::move(out), reply);
        return;
    }
    if (const auto added
        = reply.isString() ? StreamId::parse(QByteArrayView(reply.bytes())) : std::nullopt) {
        ++m_counters.backplanePublished;
        const QString &room = out.message.room;
        const auto readerAt = StreamId::parse(QByteArrayView(m_streamReader.lastId(room)));
        const QString id = out.knownId.isEmpty() ? QString::fromLatin1(reply.bytes())
                                                 : QString::fromLatin1(out.knownId);
        if (m_streamReader.hasRoom(room) && (!readerAt || *readerAt < *added)) {
            ChatMessage unread = out.message;
            unread.id = id;
            unread.via = Via::Streams;
            m_unreadOwn[room].push_back(UnreadOwn {*added, std::move(unread)});
            ++m_unreadOwnCount;
        }
        answered(out, id);
    } else if (reply.isLinkError()) {
        // Uncertain: Redis may have it. Send it again unless our reader saw it;
        // if both copies land, readers keep the first by uid.
        if (!out.ticket || out.ticket->done)
            enqueue(std::move(out), true);
        noteError(reply.errorText());
    } else {
        ++m_counters.backplaneErrors;
        const QString error = QStringLiteral("Redis refused the message: ")
            + (reply.isError() ? reply.errorText() : reply.describe());
        qCWarning(lcStreams).noquote() << error;
        noteError(error);
        if (out.ticket && out.ticket->done) {
            m_waiting.remove(out.uid);
            std::exchange(out.ticket->done, {})(PublishOutcome {{}, error, {}});
        }
    }
    flush();
}

void StreamsBackplane::onRetiredXAddReply(Outgoing out, const RedisValue &reply)
{
    // Our reader is closed: whatever is confirmed now, this node's clients get
    // from here, or never. Re-publishes (no ticket) were delivered long ago.
    const bool unanswered = out.ticket && out.ticket->done;
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
        m_waiting.remove(out.uid);
        PublishDone done = std::exchange(out.ticket->done, {});
        if (reply.isLinkError()) {
            // Redis may or may not have it, and this node no longer reads the
            // stream: the current backplane sends it (and delivers it here).
            m_handOver(Pending {out.message, std::move(done)});
        } else {
            ++m_counters.backplaneErrors;
            done(PublishOutcome {{},
                QStringLiteral("Redis refused the message: ")
                    + (reply.isError() ? reply.errorText() : reply.describe()),
                {}});
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
    m_streamReader.close();
    m_roomsToStart.clear();
    m_resetsToSend.clear();
    m_statusTimer.stop();
    // Confirmed by Redis but not read back yet: nothing else would bring them
    // to this node's clients now. In stream order within each room.
    QList<ChatMessage> confirmed;
    for (const std::deque<UnreadOwn> &room : std::as_const(m_unreadOwn)) {
        for (const UnreadOwn &own : room)
            confirmed.append(own.message);
    }
    m_unreadOwn.clear();
    m_unreadOwnCount = 0;
    const QPointer<StreamsBackplane> self(this);
    for (const ChatMessage &message : std::as_const(confirmed)) {
        Q_EMIT deliver(message);
        if (!self)
            return;
    }
}

void StreamsBackplane::answered(const Outgoing &out, const QString &id)
{
    const qint64 acceptedAt = out.ticket ? now() : out.acceptedAtMs;
    ChatMessage sent = out.message;
    const QString &uid = out.uid;
    sent.id = id;
    sent.via = Via::Streams;
    if (m_sent.empty() || m_sent.back().uid != uid)
        m_sent.push_back(Sent {sent, uid, acceptedAt});
    const qint64 keepSince = now() - m_config.republishWindowMs;
    while (!m_sent.empty()
        && (qsizetype(m_sent.size()) > kMaxSentKept
            || (canSend() && m_sent.front().acceptedAtMs < keepSince)))
        m_sent.pop_front();
    if (out.ticket && out.ticket->done) {
        m_waiting.remove(uid);
        std::exchange(out.ticket->done, {})(PublishOutcome {id, {}, {}});
    }
}

void StreamsBackplane::flush()
{
    if (!canSend())
        return;
    bool changed = false;
    while (!m_outbox.empty() && mayPublishMore()) {
        Outgoing out = std::move(m_outbox.front());
        m_outbox.pop_front();
        changed = true;
        if (out.ticket && !out.ticket->done)
            continue; // our reader already saw it in the stream
        send(std::move(out));
    }
    m_requeueAt = 0;
    if (changed)
        outboxChanged();
}

bool StreamsBackplane::mayPublishMore() const
{
    return m_inFlight < m_config.sendWindow && m_inFlight + m_unreadOwnCount < unreadLimit();
}

void StreamsBackplane::onAdvanced(const QString &room, const QByteArray &lastId)
{
    const auto at = StreamId::parse(QByteArrayView(lastId));
    const auto it = m_unreadOwn.find(room);
    if (!at || it == m_unreadOwn.end())
        return;
    while (!it->empty() && it->front().id <= *at) {
        it->pop_front();
        --m_unreadOwnCount;
    }
    flush();
}

QList<Backplane::Pending> StreamsBackplane::takePending()
{
    QList<Pending> pending;
    for (Outgoing &out : m_outbox) {
        if (!out.ticket || !out.ticket->done)
            continue; // re-publishes stay with Redis' history, which this mode alone reads
        m_waiting.remove(out.uid);
        pending.append(Pending {out.message, std::exchange(out.ticket->done, {})});
    }
    m_outbox.clear();
    m_requeueAt = 0;
    outboxChanged();
    return pending;
}

// --- reading -------------------------------------------------------------

void StreamsBackplane::onEntries(const QString &room, const QList<StreamEntry> &entries)
{
    const QPointer<StreamsBackplane> self(this);
    for (const StreamEntry &entry : entries) {
        if (!m_rooms.contains(room))
            return; // unwatched by an earlier delivery's consequences
        if (!m_seen.insert(entry.uid)) {
            ++m_counters.backplaneDropped[QStringLiteral("duplicate")];
            continue;
        }
        if (entry.message.node == m_config.nodeId) {
            // Our own message read back: it is in Redis, whatever became of the XADD's reply.
            if (const auto ticket = m_waiting.value(entry.uid); ticket && ticket->done)
                answered(Outgoing {entry.message, entry.uid, ticket, {}, 0}, entry.message.id);
        } else {
            ++m_counters.backplaneReceived; // the hub records backplaneLag when it delivers
        }
        Q_EMIT deliver(entry.message);
        if (!self)
            return;
    }
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
    s.epoch = m_epoch;
    s.lastError = m_lastError;
    s.lastErrorAtMs = m_lastErrorAtMs;
    for (const RedisConnection *link : {&m_commands, &m_reader}) {
        if (link->lastErrorAtMs() > s.lastErrorAtMs) {
            s.lastError = link->lastError();
            s.lastErrorAtMs = link->lastErrorAtMs();
        }
    }
    return s;
}

} // namespace farmchat
