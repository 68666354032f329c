#include "backplane/pubsub/pubsubbackplane_p.h"

#include "backplane/backplanecounters.h"
#include "backplane/pubsub/pubsubenvelope.h"
#include "backplane/pubsub/pubsubtransport_p.h"
#include "protocol/roomchannel.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QPointer>
#include <QScopeGuard>
#include <QUuid>

namespace farmchat {

Q_LOGGING_CATEGORY(lcPubSub, "farmchat.backplane.pubsub", QtInfoMsg)

namespace {

const QString kRedisUnavailable = QStringLiteral("delivered on this node only: Redis unavailable");
const QString kRedisFull = QStringLiteral("delivered on this node only: Redis is full");
const QString kUnconfirmed
    = QStringLiteral("Redis did not confirm the message: other nodes may not have it");

} // namespace

PubSubBackplane::PubSubBackplane(
    Config config, PubSubTransport &transport, BackplaneCounters &counters, QObject *parent)
    : Backplane(parent)
    , m_config(std::move(config))
    , m_transport(transport)
    , m_transportAlive(&transport)
    , m_counters(counters)
    , m_boot(QUuid::createUuid().toString(QUuid::Id128).left(16))
{
    m_statusTimer.setSingleShot(true);
    m_statusTimer.setInterval(0);
    connect(&m_statusTimer, &QTimer::timeout, this, &Backplane::statusChanged);
    connect(&m_transport, &PubSubTransport::message, this, &PubSubBackplane::onMessage);
    connect(&m_transport, &PubSubTransport::changed, &m_statusTimer, qOverload<>(&QTimer::start));
    connect(&m_transport, &PubSubTransport::changed, this, &PubSubBackplane::onTransportChanged);
}

PubSubBackplane::~PubSubBackplane()
{
    // A retired backplane is deleteLater()ed and may outlive the factory's links.
    if (!m_transportAlive)
        return;
    for (auto it = m_rooms.cbegin(); it != m_rooms.cend(); ++it)
        m_transport.unsubscribe(it.key());
}

QByteArray PubSubBackplane::channelFor(const QString &room) const
{
    return roomChannel(m_config.channelPrefix, room);
}

void PubSubBackplane::publish(const ChatMessage &message, PublishDone done)
{
    ChatMessage local = message;
    local.via = Via::Local;
    Q_EMIT deliver(local);

    PubSubEnvelope envelope;
    envelope.origin = m_config.nodeId;
    envelope.boot = m_boot;
    // Taken even when the PUBLISH fails, so receivers see the gap and count it.
    envelope.seq = ++m_seq[message.room];
    envelope.message = message;
    envelope.message.via = Via::PubSub;
    const QString id = message.id;

    const QByteArray channel = channelFor(message.room);
    if (!m_transport.canPublish(channel)) {
        publishFailed(m_transport.publishTarget(channel), m_transport.lastError().text);
        done(Published {id, kRedisUnavailable});
        return;
    }
    QPointer<PubSubBackplane> self(this);
    ++m_inFlight;
    m_transport.publish(channel, envelope.encode(),
        [self, id, channel, done = std::move(done)](const RedisValue &reply) {
            // Kept alive by a retire() until this answer, so the counters are honest.
            const auto finished = qScopeGuard([self] {
                if (self && --self->m_inFlight == 0 && self->m_retired)
                    Q_EMIT self->drained();
            });
            if (reply.isLinkError()) {
                // Sent, never answered: Redis may have passed it on (a slow
                // Redis runs it late). Not counted as dropped; receivers
                // count what they really missed as gaps.
                if (self)
                    self->publishUnconfirmed(reply.errorText());
                done(Published {id, kUnconfirmed});
                return;
            }
            if (!reply.isInteger()) {
                const QString error = reply.isError()
                    ? reply.errorText()
                    : QStringLiteral("unexpected reply: ") + reply.describe();
                // Redis 7 lets PUBLISH through at maxmemory (it stores
                // nothing), but a refusal for memory is told apart all the same.
                const bool full = reply.isOutOfMemory();
                if (self)
                    self->publishFailed(self->m_transport.publishTarget(channel), error, full);
                done(Published {id, full ? kRedisFull : kRedisUnavailable, full});
                return;
            }
            if (self)
                self->publishSucceeded(channel);
            done(Published {id, {}});
        });
}

void PubSubBackplane::publishSucceeded(const QByteArray &channel)
{
    ++m_counters.backplanePublished;
    // The target is worked out only while some target is failing: the
    // cluster's slot lookup stays off the path of every publish.
    if (m_failingTargets.isEmpty())
        return;
    const QString target = m_transport.publishTarget(channel);
    if (m_failingTargets.remove(target)) {
        qCInfo(lcPubSub).noquote()
            << publishVerbTo(target)
            << (target.isEmpty() ? "works again: messages reach the other nodes"
                                 : "works again: messages to its rooms reach the "
                                   "other nodes");
    }
    // A shard that failed over no longer owns slots: its rooms publish to
    // the new primary, so nothing will ever succeed on the old one.
    for (auto it = m_failingTargets.begin(); it != m_failingTargets.end();) {
        if (m_transport.isPublishTarget(*it)) {
            ++it;
            continue;
        }
        qCInfo(lcPubSub).noquote() << publishVerbTo(*it)
                                   << "is over: its slots have a new primary, and messages to "
                                      "its rooms reach the other nodes again";
        it = m_failingTargets.erase(it);
    }
}

void PubSubBackplane::publishFailed(const QString &target, const QString &error, bool redisFull)
{
    ++m_counters.backplaneDropped[redisFull ? QStringLiteral("redis_full")
                                            : QStringLiteral("publish_failed")];
    ++m_counters.backplaneErrors;
    if (!m_failingTargets.contains(target)) {
        m_failingTargets.insert(target);
        qCWarning(lcPubSub).noquote() << publishVerbTo(target) + " failed (" + error
                + (target.isEmpty()
                        ? QStringLiteral(
                            "): until Redis is back, messages reach this node's clients only")
                        : QStringLiteral("): until that shard is back, messages to its rooms "
                                         "reach this node's clients only"));
    }
    noteError(QString::fromLatin1(m_transport.publishVerb()) + QStringLiteral(" failed: ") + error);
}

QString PubSubBackplane::publishVerbTo(const QString &target) const
{
    const QString verb = QString::fromLatin1(m_transport.publishVerb());
    return target.isEmpty() ? verb : verb + QStringLiteral(" to ") + target;
}

void PubSubBackplane::publishUnconfirmed(const QString &error)
{
    ++m_counters.backplaneUnconfirmed;
    ++m_counters.backplaneErrors;
    noteError(QString::fromLatin1(m_transport.publishVerb()) + QStringLiteral(" not confirmed: ")
        + error);
}

void PubSubBackplane::noteError(const QString &error)
{
    m_lastError = error;
    m_lastErrorAtMs = QDateTime::currentMSecsSinceEpoch();
    if (!m_statusTimer.isActive())
        m_statusTimer.start();
}

void PubSubBackplane::watchRoom(const QString &room)
{
    const QByteArray channel = channelFor(room);
    if (m_rooms.contains(channel))
        return;
    m_rooms.insert(channel, room);
    m_transport.subscribe(channel);
    if (!isRoomReady(room))
        m_roomsNotReady.insert(room);
}

bool PubSubBackplane::isRoomReady(const QString &room) const
{
    // While a link is down a message may be missed whatever we wait for (each
    // miss is counted as a gap): no reason to hold anyone back.
    const QByteArray channel = channelFor(room);
    return !m_rooms.contains(channel) || m_transport.isSubscribed(channel)
        || !m_transport.isConnected();
}

void PubSubBackplane::onTransportChanged()
{
    const QPointer<PubSubBackplane> self(this);
    for (const QString &room : QSet<QString>(m_roomsNotReady)) {
        if (!m_roomsNotReady.contains(room) || !isRoomReady(room))
            continue;
        m_roomsNotReady.remove(room);
        Q_EMIT roomReady(room);
        if (!self)
            return;
    }
}

void PubSubBackplane::unwatchRoom(const QString &room)
{
    const QByteArray channel = channelFor(room);
    m_roomsNotReady.remove(room);
    if (!m_rooms.remove(channel))
        return;
    m_transport.unsubscribe(channel);
    m_received.forgetRoom(room);
}

void PubSubBackplane::onMessage(const QByteArray &channel, const QByteArray &payload)
{
    const auto room = m_rooms.constFind(channel);
    if (room == m_rooms.cend())
        return; // another backplane's channel on the shared subscriber
    auto envelope = PubSubEnvelope::decode(payload, *room);
    if (!envelope) {
        ++m_counters.backplaneDropped[QStringLiteral("invalid")];
        qCDebug(lcPubSub).noquote() << "dropped an invalid message on" << QString::fromUtf8(channel)
                                    << "-" << envelope.error();
        return;
    }
    if (envelope->origin == m_config.nodeId)
        return; // our own echo: local clients had it at once
    const SequenceTracker::Result seen
        = m_received.observe(envelope->origin, *room, envelope->boot, envelope->seq);
    if (seen.missed > 0) {
        m_counters.backplaneDropped[QStringLiteral("gap")] += seen.missed;
        qCWarning(lcPubSub).noquote()
            << "missed" << seen.missed << "message(s) from" << envelope->origin << "in room"
            << *room << "(pub/sub is at-most-once)";
    }
    if (seen.stale) {
        ++m_counters.backplaneDropped[QStringLiteral("stale")];
        return;
    }
    ChatMessage message = std::move(envelope).value().message;
    message.via = Via::PubSub;
    ++m_counters.backplaneReceived; // the hub records backplaneLag when it delivers
    Q_EMIT deliver(message);
}

void PubSubBackplane::retire(HandOver)
{
    // Local clients had every message at once; what is left is counting the
    // answers of PUBLISHes in flight. Others' messages now come through the
    // new backplane: unsubscribe at once, or a quick pubsub -> streams ->
    // pubsub would deliver them twice.
    m_retired = true;
    disconnect(&m_transport, &PubSubTransport::message, this, &PubSubBackplane::onMessage);
    for (auto it = m_rooms.cbegin(); it != m_rooms.cend(); ++it)
        m_transport.unsubscribe(it.key());
    m_rooms.clear();
    m_roomsNotReady.clear();
}

BackplaneStatus PubSubBackplane::status() const
{
    BackplaneStatus s;
    s.mode = BackplaneMode::PubSub;
    s.redisConnected = m_transport.isConnected();
    s.roomsRead = m_rooms.size();
    for (auto it = m_rooms.cbegin(); it != m_rooms.cend(); ++it)
        s.roomsPending += m_transport.isSubscribed(it.key()) ? 0 : 1;
    // The newest of: our own publish errors, any link's last failure.
    s.lastError = m_lastError;
    s.lastErrorAtMs = m_lastErrorAtMs;
    if (const LinkError link = m_transport.lastError(); link.atMs > s.lastErrorAtMs) {
        s.lastError = link.text;
        s.lastErrorAtMs = link.atMs;
    }
    return s;
}

} // namespace farmchat
