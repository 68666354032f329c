#include "server/hubsession_p.h"

#include "protocol/hubprotocol.h"
#include "server/framewriter_p.h"
#include "server/nodemetrics.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QTimer>

namespace farmchat {

Q_LOGGING_CATEGORY(lcSession, "farmchat.node.session", QtInfoMsg)

namespace {

// Refused invocations in one second, as a multiple of the rate, that close a
// connection: a client sending at five times its rate is refused, one sending
// at more than ten times it is cut off.
constexpr int kFloodRefusalFactor = 10;

// Time a closing connection gets to flush its last frames before it is cut.
constexpr int kCloseGraceMs = 2000;

// The metric reason for a close the client or the reader asked for, by its
// code (what QWebSocket's closeCode() told the node before).
const char *closeReasonFor(quint16 code)
{
    switch (code) {
    case closecode::kTooMuchData:
        return "message_too_big";
    case closecode::kWrongDatatype:
        return "invalid_utf8";
    case closecode::kProtocolError:
    case closecode::kDatatypeNotSupported:
        return "protocol_error";
    default:
        return "client_closed";
    }
}

} // namespace

HubSession::HubSession(std::unique_ptr<TcpConnection> connection, QString connectionId,
    const Settings &settings, HubDispatcher &hub, NodeMetrics &metrics, SessionScheduler &scheduler,
    QObject *parent)
    : QObject(parent)
    , m_connection(std::move(connection))
    , m_reader(settings.maxMessageBytes)
    , m_connectionId(std::move(connectionId))
    , m_settings(settings)
    , m_hub(hub)
    , m_metrics(metrics)
    , m_scheduler(scheduler)
    , m_records(settings.maxMessageBytes)
    , m_bucket(settings.rateLimit, settings.rateLimit, scheduler.now())
    , m_startedMs(scheduler.now())
    , m_lastSendMs(m_startedMs)
    , m_lastReceiveMs(m_startedMs)
{
    ++m_metrics.connectionsCurrent;
    ++m_metrics.connectionsTotal;
    m_scheduler.add(this);
    m_connection->setReceiver(this);

    // What the client sent right after the upgrade head is read on the next
    // turn, once the owner has connected to finished(); so is the end of a
    // connection that closed before this session existed.
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (!m_connection->isOpen())
                disconnected();
            else
                m_connection->deliverBuffered();
        },
        Qt::QueuedConnection);
}

HubSession::~HubSession()
{
    m_scheduler.remove(this);
    if (m_state != State::Closed) {
        m_hub.removeSession(this);
        --m_metrics.connectionsCurrent;
    }
    // As destroying an open QWebSocket did: a close frame with 1001, then the close.
    m_connection->setReceiver(nullptr);
    if (m_connection->isOpen() && !m_connection->isClosing()) {
        m_connection->queue(framewriter::closeFrame(closecode::kGoingAway, {}));
        m_connection->flush();
    }
}

void HubSession::sendRecord(const QByteArray &record)
{
    if (m_state != State::Connected)
        return;
    m_pending.append(record);
    m_scheduler.scheduleFlush(this);
}

void HubSession::send(const HubMessage &message)
{
    sendRecord(hubprotocol::writeMessage(message));
}

void HubSession::flush()
{
    if (m_state != State::AwaitingHandshake && m_state != State::Connected) {
        m_pending.clear(); // nothing follows a close frame (RFC 6455 5.5.1)
        return;
    }
    writePending();
    // A client that does not read must not make the node hold its messages
    // without bound: past the limit it is dropped with a reason.
    if (m_state == State::Connected && m_connection->bytesQueued() > m_settings.sendQueueBytes) {
        qCInfo(lcSession) << "dropping client" << m_connectionId << "with"
                          << m_connection->bytesQueued() << "unsent bytes";
        closeWithError(QStringLiteral("send queue full: client too slow"),
            closecode::kPolicyViolated, "slow_reader");
    }
}

void HubSession::writePending()
{
    if (m_pending.isEmpty())
        return;
    const QList<QByteArray> records = std::exchange(m_pending, {});
    m_lastSendMs = m_scheduler.now();
    if (!m_connection->isOpen() || m_connection->isClosing())
        return;
    // Frames of at most kMaxBatchFramePayload bytes (unless one record alone
    // is larger), cut at record ends: a header of their own, then the
    // records' shared bytes, all sent with one vectored write.
    for (qsizetype first = 0; first < records.size();) {
        qsizetype end = first + 1;
        quint64 payload = quint64(records[first].size());
        while (end < records.size()
            && payload + quint64(records[end].size())
                <= quint64(framewriter::kMaxBatchFramePayload))
            payload += quint64(records[end++].size());
        QByteArray header;
        framewriter::appendTextFrameHeader(header, payload);
        m_connection->queue(header);
        for (; first < end; ++first)
            m_connection->queue(records[first]);
    }
    m_connection->flush();
}

void HubSession::tick(qint64 nowMs)
{
    switch (m_state) {
    case State::AwaitingHandshake:
        if (nowMs - m_startedMs >= m_settings.handshakeTimeoutMs) {
            m_pending.append(hubprotocol::writeHandshakeResponse(
                {QStringLiteral("handshake timeout: no handshake within %1 ms")
                        .arg(m_settings.handshakeTimeoutMs)}));
            closeWithError({}, closecode::kNormal, "handshake_timeout");
        }
        break;
    case State::Connected:
        // allowReconnect as ASP.NET Core does: the client may be fine and only
        // its network slow, and without it standard clients give up for good.
        if (nowMs - m_lastReceiveMs >= m_settings.clientTimeoutMs)
            closeWithError(
                QStringLiteral("server timeout: nothing received from the client for %1 ms")
                    .arg(m_settings.clientTimeoutMs),
                closecode::kNormal, "timeout", true);
        else if (nowMs - m_lastSendMs >= m_settings.keepAliveMs && m_pending.isEmpty())
            send(HubMessage::ping());
        break;
    case State::Closing:
    case State::Closed:
        break;
    }
}

void HubSession::beginClose(quint16 code, QByteArrayView reason, const char *metricReason)
{
    if (m_state == State::Closed)
        return; // a flush just now found the peer gone: already ended and counted
    m_state = State::Closing;
    m_closeReason = metricReason;
    m_pending.clear(); // nothing may follow the close frame
    m_hub.removeSession(this);
    m_scheduler.remove(this);
    m_reader.stop();
    // Owned by this session: gone with it, and harmless once it is closed.
    QTimer::singleShot(kCloseGraceMs, this, [this] { m_connection->abort(); });
    m_connection->queue(framewriter::closeFrame(code, reason));
    m_connection->closeGracefully();
}

void HubSession::closeWithError(
    const QString &error, quint16 code, const char *metricReason, bool allowReconnect)
{
    if (m_state == State::Closing || m_state == State::Closed)
        return;
    // What was queued, and the Close message, go before the close frame.
    if (!error.isEmpty())
        m_pending.append(hubprotocol::writeMessage(HubMessage::close(error, allowReconnect)));
    writePending();
    qCDebug(lcSession) << "closing" << m_connectionId << int(code) << metricReason << error;
    // The WebSocket close reason is at most 123 bytes; errors here are ASCII.
    const QString reason = !error.isEmpty() ? error
        : !m_closeReasonText.isEmpty()      ? m_closeReasonText
                                            : QString::fromLatin1(metricReason);
    beginClose(code, reason.left(120).toUtf8(), metricReason);
}

void HubSession::shutdown()
{
    closeWithError(QStringLiteral("server shutting down"), closecode::kGoingAway, "shutdown", true);
}

qsizetype HubSession::received(QByteArrayView bytes)
{
    m_reader.feed(bytes, *this);
    return bytes.size(); // the reader keeps what a partial frame needs
}

void HubSession::textMessage(QByteArray utf8)
{
    if (m_state != State::AwaitingHandshake && m_state != State::Connected)
        return;
    m_lastReceiveMs = m_scheduler.now();
    if (!m_records.append(utf8)) {
        closeWithError(
            QStringLiteral("record larger than %1 bytes").arg(m_settings.maxMessageBytes),
            closecode::kTooMuchData, "message_too_big");
        return;
    }
    while (m_state == State::AwaitingHandshake || m_state == State::Connected) {
        const auto record = m_records.takeRecord();
        if (!record)
            break;
        if (m_state == State::AwaitingHandshake)
            handleHandshake(*record);
        else
            handleRecord(*record);
    }
}

void HubSession::binaryMessage(QByteArray)
{
    closeWithError(
        QStringLiteral("binary messages are not supported: the json hub protocol uses text frames"),
        closecode::kDatatypeNotSupported, "protocol_error");
}

void HubSession::ping(QByteArrayView payload)
{
    // Answered at once, as QWebSocket did; frames are always whole, so the
    // Pong can sit between any two of the session's own.
    if (m_state == State::Closing || m_state == State::Closed)
        return;
    // Pings from a client that reads nothing must not queue Pongs without bound.
    if (m_connection->bytesQueued() > m_settings.sendQueueBytes)
        return closeWithError(QStringLiteral("send queue full: client too slow"),
            closecode::kPolicyViolated, "slow_reader");
    m_connection->queue(framewriter::pongFrame(payload));
    m_connection->flush();
}

void HubSession::pong(QByteArrayView) { }

void HubSession::close(quint16 code, QByteArrayView reason)
{
    if (m_state == State::Closing || m_state == State::Closed)
        return; // the answer to this side's close: the connection closes anyway
    // The client closed: echo its code (RFC 6455 5.5.1), then close.
    beginClose(code, reason, closeReasonFor(code));
}

void HubSession::error(quint16 code, const QString &reason)
{
    if (m_state == State::Closing || m_state == State::Closed)
        return;
    // Too big, invalid UTF-8, a protocol error: closed with the reader's code.
    qCDebug(lcSession) << "closing" << m_connectionId << code << reason;
    beginClose(code, reason.left(120).toUtf8(), closeReasonFor(code));
}

void HubSession::handleHandshake(const QByteArray &record)
{
    const auto request = hubprotocol::parseHandshakeRequest(record);
    QString error;
    quint16 code = closecode::kNormal;
    const char *metricReason = "bad_handshake";
    if (!request) {
        error = request.error();
        code = closecode::kProtocolError;
    } else if (m_connectionId.isEmpty()) {
        // The first record a client reads is the handshake answer
        // (HubProtocol.md "Overview"), so the refusal of its id goes there.
        error = QStringLiteral("unknown connection id");
        code = closecode::kPolicyViolated;
        metricReason = "unknown_connection_id";
    } else if (request->protocol != hubprotocol::kProtocolName) {
        error = QStringLiteral("protocol '%1' is not supported: this node speaks 'json'")
                    .arg(request->protocol);
    } else if (request->version != hubprotocol::kVersion) {
        error = QStringLiteral("version %1 of the json protocol is not supported: use %2")
                    .arg(request->version)
                    .arg(hubprotocol::kVersion);
    }
    if (!error.isEmpty()) {
        m_pending.append(hubprotocol::writeHandshakeResponse({error}));
        m_closeReasonText = error;
        closeWithError({}, code, metricReason);
        return;
    }
    m_state = State::Connected;
    sendRecord(hubprotocol::writeHandshakeResponse());
    m_lastSendMs = m_lastReceiveMs = m_scheduler.now();
    m_hub.addSession(this);
}

void HubSession::handleRecord(const QByteArray &record)
{
    const auto parsed = hubprotocol::parseMessage(record);
    if (!parsed) {
        closeWithError(parsed.error(), closecode::kProtocolError, "protocol_error");
        return;
    }
    const HubMessage &message = parsed.value();
    switch (message.type) {
    case HubMessageType::Invocation:
        handleInvocation(message);
        break;
    case HubMessageType::StreamInvocation:
        if (admitInvocation(message)) {
            ++m_metrics.invocationsRejected[QStringLiteral("streaming")];
            send(HubMessage::completionError(
                message.invocationId, QStringLiteral("streaming is not supported")));
        }
        break;
    case HubMessageType::StreamItem:
        // Items of an upload stream whose invocation was already refused.
        ++m_metrics.invocationsRejected[QStringLiteral("streaming")];
        break;
    case HubMessageType::Completion:
    case HubMessageType::CancelInvocation:
    case HubMessageType::Ping:
        // The node never invokes clients for results and runs no streams.
        break;
    case HubMessageType::Close:
        closeWithError({}, closecode::kNormal, "client_closed");
        break;
    case HubMessageType::Ack:
    case HubMessageType::Sequence:
        closeWithError(
            QStringLiteral(
                "message type %1 is not supported: this node does not offer stateful reconnect")
                .arg(int(message.type)),
            closecode::kDatatypeNotSupported, "protocol_error");
        break;
    }
}

bool HubSession::admitInvocation(const HubMessage &message)
{
    const qint64 now = m_scheduler.now();
    if (m_bucket.take(now))
        return true;
    ++m_metrics.invocationsRejected[QStringLiteral("rate_limited")];
    // A flood is told by how much is refused per second, not by refusals in
    // a row: a node slowed down (a loaded machine, a debug build) admits one
    // invocation every 1/rate s between refusals and would never see a row.
    if (now - m_refusalWindowStartMs >= 1000) {
        m_refusalWindowStartMs = now;
        m_refusalsInWindow = 0;
    }
    if (++m_refusalsInWindow > kFloodRefusalFactor * m_settings.rateLimit) {
        closeWithError(
            QStringLiteral("rate limit exceeded repeatedly: at most %1 invocations per second")
                .arg(m_settings.rateLimit),
            closecode::kPolicyViolated, "rate_limited");
    } else if (!message.invocationId.isEmpty()) {
        send(HubMessage::completionError(message.invocationId,
            QStringLiteral("rate limit exceeded: at most %1 invocations per second")
                .arg(m_settings.rateLimit)));
    }
    return false;
}

void HubSession::handleInvocation(const HubMessage &message)
{
    if (!admitInvocation(message))
        return;
    if (!message.streamIds.isEmpty()) {
        ++m_metrics.invocationsRejected[QStringLiteral("streaming")];
        if (!message.invocationId.isEmpty())
            send(HubMessage::completionError(
                message.invocationId, QStringLiteral("streaming is not supported")));
        return;
    }
    // The hub may answer later (the backplane accepted the message, history
    // came from Redis); by then this session may be gone, and the answer with it.
    const QPointer<HubSession> self(this);
    const QString id = message.invocationId;
    m_hub.invoke(this, message, [self, id](const HubDispatcher::Reply &reply) {
        if (!self || id.isEmpty())
            return;
        if (!reply.error.isEmpty())
            self->send(HubMessage::completionError(id, reply.error));
        else if (reply.hasResult)
            self->send(HubMessage::completionResult(id, reply.result));
        else
            self->send(HubMessage::completion(id));
    });
}

void HubSession::disconnected()
{
    if (m_state == State::Closed)
        return;
    const char *reason = m_state == State::Closing && m_closeReason ? m_closeReason : "dropped";
    m_state = State::Closed;
    m_pending.clear();
    m_reader.stop();
    m_hub.removeSession(this);
    m_scheduler.remove(this);
    countClose(reason);
    --m_metrics.connectionsCurrent;
    Q_EMIT finished(this);
}

void HubSession::countClose(const char *reason)
{
    if (m_counted)
        return;
    m_counted = true;
    ++m_metrics.connectionsClosed[QString::fromLatin1(reason)];
}

} // namespace farmchat
