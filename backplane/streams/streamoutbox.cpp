#include "backplane/streams/streamoutbox_p.h"

#include "backplane/streams/streamentry.h"
#include "backplane/streams/streamid_p.h"
#include "backplane/streams/streamslogging_p.h"
#include "backplane/streams/unreadownmessages_p.h"
#include "redis/redisconnection.h"

#include <QDateTime>
#include <QPointer>

#include <algorithm>

namespace farmchat {

namespace {

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

StreamOutbox::StreamOutbox(Settings settings, RedisConnection &commands,
    const UnreadOwnMessages &unreadOwn, ReplyHandler onReply, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_commands(commands)
    , m_unreadOwn(unreadOwn)
    , m_onReply(std::move(onReply))
{
    m_replicaProbe.setInterval(1000);
    connect(&m_replicaProbe, &QTimer::timeout, this, &StreamOutbox::probeReplicas);
}

StreamOutbox::~StreamOutbox()
{
    // Whatever takePending() did not hand over gets its one answer now.
    for (OutgoingMessage &out : m_queue) {
        if (out.awaitsAnswer())
            out.ticket->answer(PublishOutcome::failure(
                QStringLiteral("the streams backplane stopped before Redis accepted the message")));
    }
}

bool StreamOutbox::mayPublishMore() const
{
    return m_inFlight < m_settings.sendWindow && m_inFlight + m_unreadOwn.count() < unreadLimit();
}

void StreamOutbox::append(OutgoingMessage out)
{
    m_queue.push_back(std::move(out));
    Q_EMIT depthChanged();
}

void StreamOutbox::requeue(OutgoingMessage out)
{
    m_queue.insert(
        m_queue.begin() + std::min(m_requeueAt++, qsizetype(m_queue.size())), std::move(out));
    Q_EMIT depthChanged();
}

void StreamOutbox::prepend(std::deque<OutgoingMessage> messages)
{
    for (auto it = messages.rbegin(); it != messages.rend(); ++it)
        m_queue.push_front(std::move(*it));
    m_requeueAt += qsizetype(messages.size());
    Q_EMIT depthChanged();
}

void StreamOutbox::holdTrimming()
{
    m_trimFromMs = now() + m_settings.trimGraceMs;
}

void StreamOutbox::send(OutgoingMessage out)
{
    ++m_inFlight;
    // No trimming for a while after (re)connecting: every node is flushing
    // its outbox then, and a reader still in back-off would come back to find
    // the entries it has not read trimmed away.
    QList<QByteArray> args {"XADD", (m_settings.keyPrefix + out.message.room).toUtf8()};
    if (now() >= m_trimFromMs)
        args << "MAXLEN"
             << "~" << QByteArray::number(m_settings.history);
    args << "*";
    args << StreamEntry::fields(out.message, out.uid, out.knownId);
    const QByteArray key = args.at(1);
    const QPointer<StreamOutbox> self(this);
    // With WAIT, a confirmed XADD is held until the replicas answered.
    auto held = m_settings.waitReplicas > 0 ? std::make_shared<std::optional<RedisValue>>()
                                            : std::shared_ptr<std::optional<RedisValue>>();
    m_commands.command(args, [self, out, held](const RedisValue &reply) {
        if (held && reply.isString()) {
            *held = reply;
            return;
        }
        // A refused or lost XADD is answered now; its WAIT finds nothing held.
        if (self) {
            --self->m_inFlight;
            self->m_onReply(out, reply);
            return;
        }
        // Switched away meanwhile: the sender still gets its one answer.
        if (out.awaitsAnswer()) {
            const bool ok = reply.isString() && StreamId::parse(QByteArrayView(reply.bytes()));
            out.ticket->answer(ok
                    ? PublishOutcome(Published {QString::fromLatin1(reply.bytes()), {}})
                    : PublishOutcome::failure(QStringLiteral("Redis did not confirm the message")));
        }
    });
    if (m_settings.roomIdleTtlMs > 0)
        expire(key);
    if (held) {
        m_awaiting.push_back({std::move(out), held});
        if (!m_waitInFlight)
            sendWait();
    }
}

void StreamOutbox::sendWait()
{
    // One WAIT covers every write this link issued before it, so the XADDs
    // sent since the last one share it: a group commit. While one is pending
    // Redis holds the link's later commands anyway.
    std::vector<Awaiting> batch = std::exchange(m_awaiting, {});
    m_waitInFlight = true;
    const QPointer<StreamOutbox> self(this);
    const int wanted = m_settings.waitReplicas;
    // Known to be short of replicas: ask, but do not hold the link for the
    // whole timeout each time.
    const int timeoutMs = m_replicasShort ? 1 : m_settings.waitTimeoutMs;
    m_commands.command(
        {"WAIT", QByteArray::number(wanted), QByteArray::number(timeoutMs)},
        [self, batch = std::move(batch), wanted, timeoutMs,
            fullTimeoutMs = m_settings.waitTimeoutMs](const RedisValue &reply) mutable {
            const bool confirmed = reply.isInteger() && reply.toInteger() >= wanted;
            if (self) {
                self->m_waitInFlight = false;
                // A short WAIT (1 ms, while known short) proves nothing when
                // it fails; ROLE, every second, says when replicas are back.
                if (confirmed)
                    self->setReplicasShort(false);
                else if (!reply.isLinkError() && timeoutMs != 1)
                    self->setReplicasShort(true);
            }
            for (Awaiting &item : batch) {
                if (!item.held->has_value())
                    continue; // the XADD failed and was answered on its own
                RedisValue xadd = std::move(**item.held);
                item.held->reset();
                OutgoingMessage &out = item.out;
                if (reply.isLinkError()) {
                    // Redis may or may not keep it: handled like a lost XADD
                    // reply (sent again; readers keep the first copy by uid).
                    xadd = reply;
                } else if (!reply.isInteger()) {
                    out.replicationWarning
                        = QStringLiteral(
                            "Redis accepted the message but could not say whether "
                            "a replica has it (WAIT: %1): a failover now could lose it")
                              .arg(reply.isError() ? reply.errorText() : reply.describe());
                } else if (!confirmed) {
                    out.replicationWarning
                        = QStringLiteral("Redis accepted the message but %1 of %2 replicas "
                                         "confirmed it within %3 ms: a failover now could lose it")
                              .arg(reply.toInteger())
                              .arg(wanted)
                              .arg(timeoutMs == 1 ? fullTimeoutMs : timeoutMs);
                }
                if (self) {
                    --self->m_inFlight;
                    self->m_onReply(std::move(out), xadd);
                } else if (out.awaitsAnswer()) {
                    out.ticket->answer(
                        xadd.isString() ? PublishOutcome(
                            Published {QString::fromLatin1(xadd.bytes()), out.replicationWarning})
                                        : PublishOutcome::failure(
                                            QStringLiteral("Redis did not confirm the message")));
                }
            }
            if (self && !self->m_awaiting.empty() && !self->m_waitInFlight)
                self->sendWait();
        },
        m_settings.waitTimeoutMs + m_commands.options().commandTimeoutMs);
}

void StreamOutbox::setReplicasShort(bool isShort)
{
    if (isShort == m_replicasShort)
        return;
    m_replicasShort = isShort;
    if (isShort) {
        qCWarning(lcStreams).noquote()
            << QStringLiteral("fewer than %1 Redis replicas confirm writes: sends are answered "
                              "with a warning until they do")
                   .arg(m_settings.waitReplicas);
        m_replicaProbe.start();
    } else {
        qCInfo(lcStreams) << "Redis replicas confirm writes again";
        m_replicaProbe.stop();
    }
}

void StreamOutbox::probeReplicas()
{
    if (m_probeInFlight || !m_commands.isReady())
        return;
    m_probeInFlight = true;
    const QPointer<StreamOutbox> self(this);
    // ROLE on a primary: ["master", offset, [[ip, port, offset], ...]].
    m_commands.command({"ROLE"}, [self](const RedisValue &reply) {
        if (!self)
            return;
        self->m_probeInFlight = false;
        const QList<RedisValue> &parts = reply.elements();
        if (reply.isArray() && parts.size() >= 3 && parts[0].bytes() == "master"
            && parts[2].elements().size() >= self->m_settings.waitReplicas)
            self->setReplicasShort(false);
    });
}

void StreamOutbox::expire(const QByteArray &key)
{
    // Right behind the XADD on the same link: hiredis writes both in one go
    // and Redis answers both in one go, so the idle timeout costs no round
    // trip. Each message restarts the room's idle time. An XADD refused (full
    // Redis) makes this a no-op on a missing key or a harmless refresh.
    const QPointer<StreamOutbox> self(this);
    m_commands.command({"PEXPIRE", key, QByteArray::number(m_settings.roomIdleTtlMs)},
        [self](const RedisValue &reply) {
            if (!self || reply.isLinkError())
                return; // the XADD's own reply says what became of the link
            const bool failed = reply.isError();
            if (failed && !self->m_expireFailing)
                qCWarning(lcStreams).noquote()
                    << "PEXPIRE failed, idle rooms will not expire:" << reply.errorText();
            else if (!failed && self->m_expireFailing)
                qCInfo(lcStreams) << "PEXPIRE works again";
            self->m_expireFailing = failed;
        });
}

void StreamOutbox::flush()
{
    bool changed = false;
    while (!m_queue.empty() && mayPublishMore()) {
        OutgoingMessage out = std::move(m_queue.front());
        m_queue.pop_front();
        changed = true;
        if (out.ticket && !out.ticket->done)
            continue; // our reader already saw it in the stream
        send(std::move(out));
    }
    m_requeueAt = 0;
    if (changed)
        Q_EMIT depthChanged();
}

QList<Backplane::Pending> StreamOutbox::takePending()
{
    return takePendingWhere([](const ChatMessage &) { return true; });
}

QList<Backplane::Pending> StreamOutbox::takePendingFor(const QString &room)
{
    return takePendingWhere([&room](const ChatMessage &message) { return message.room == room; });
}

QList<Backplane::Pending> StreamOutbox::takePendingWhere(
    const std::function<bool(const ChatMessage &)> &matches)
{
    QList<Backplane::Pending> pending;
    std::deque<OutgoingMessage> kept;
    for (OutgoingMessage &out : m_queue) {
        if (!matches(out.message)) {
            kept.push_back(std::move(out));
            continue;
        }
        // A re-publish stays with Redis' history (which this mode alone
        // reads); a room's new stream starts without it.
        if (!out.awaitsAnswer())
            continue;
        m_waiting.remove(out.uid);
        pending.append(Backplane::Pending {out.message, std::exchange(out.ticket->done, {})});
    }
    m_queue = std::move(kept);
    m_requeueAt = 0;
    Q_EMIT depthChanged();
    return pending;
}

void StreamOutbox::answer(const OutgoingMessage &out, const PublishOutcome &outcome)
{
    if (!out.awaitsAnswer())
        return;
    m_waiting.remove(out.uid);
    out.ticket->answer(outcome);
}

Backplane::PublishDone StreamOutbox::release(const OutgoingMessage &out)
{
    m_waiting.remove(out.uid);
    return std::exchange(out.ticket->done, {});
}

} // namespace farmchat
