#include "server/hubsession_p.h"

#include "platform/lingeringclose.h"
#include "protocol/hubprotocol.h"
#include "server/framewriter_p.h"
#include "server/nodemetrics.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>

namespace farmchat {

Q_LOGGING_CATEGORY(lcSession, "farmchat.node.session", QtInfoMsg)

namespace {

// Refused invocations in one second, as a multiple of the rate, that close a
// connection: a client sending at five times its rate is refused, one sending
// at more than ten times it is cut off.
constexpr int kFloodRefusalFactor = 10;

// Time a closing connection gets to flush its last frames before it is cut.
constexpr int kCloseGraceMs = 2000;

} // namespace

HubSession::HubSession(std::unique_ptr<QWebSocket> socket, QString connectionId,
    const Settings &settings, HubDispatcher &hub, NodeMetrics &metrics, SessionScheduler &scheduler,
    QObject *parent, QTcpSocket *tcp)
    : QObject(parent)
    , m_socket(std::move(socket))
    , m_connectionId(std::move(connectionId))
    , m_settings(settings)
    , m_hub(hub)
    , m_metrics(metrics)
    , m_scheduler(scheduler)
    , m_tcp(tcp)
    , m_records(settings.maxMessageBytes)
    , m_bucket(settings.rateLimit, settings.rateLimit, scheduler.now())
    , m_startedMs(scheduler.now())
    , m_lastSendMs(m_startedMs)
    , m_lastReceiveMs(m_startedMs)
    , m_tcpDescriptor(tcp ? tcp->socketDescriptor() : -1)
{
    ++m_metrics.connectionsCurrent;
    ++m_metrics.connectionsTotal;

    // Qt enforces these itself: 1009 for too big, 1007 for invalid UTF-8.
    m_socket->setMaxAllowedIncomingMessageSize(quint64(settings.maxMessageBytes));
    m_socket->setMaxAllowedIncomingFrameSize(quint64(settings.maxMessageBytes));
    connect(m_socket.get(), &QWebSocket::textMessageReceived, this, &HubSession::onTextMessage);
    connect(m_socket.get(), &QWebSocket::binaryMessageReceived, this, &HubSession::onBinaryMessage);
    // Every close path (this session's, Qt's protocol errors, the client's)
    // goes through here. One connection for both: each costs memory per client.
    connect(m_socket.get(), &QWebSocket::aboutToClose, this, [this] {
        onAboutToClose();
        lingerAfterClose();
    });
    connect(m_socket.get(), &QWebSocket::disconnected, this, &HubSession::onDisconnected);

    m_scheduler.add(this);

    // A socket that closed before this session existed sends no more signals;
    // finish on the next turn, once the owner has connected to finished().
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_socket->state() != QAbstractSocket::ConnectedState)
                onDisconnected();
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
    // Destroying an open QWebSocket closes it and emits aboutToClose().
    m_socket->disconnect(this);
    m_socket.reset();
}

void HubSession::sendRecord(QByteArrayView record)
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
    if (!writePending())
        return; // the kernel took it all: nothing queued here
    // A client that does not read must not make the node hold its messages
    // without bound: past the limit it is dropped with a reason.
    if (m_state == State::Connected && m_socket->bytesToWrite() > m_settings.sendQueueBytes) {
        qCInfo(lcSession) << "dropping client" << m_connectionId << "with"
                          << m_socket->bytesToWrite() << "unsent bytes";
        closeWithError(QStringLiteral("send queue full: client too slow"),
            QWebSocketProtocol::CloseCodePolicyViolated, "slow_reader");
    }
}

bool HubSession::writePending()
{
    if (m_pending.isEmpty())
        return false;
    const QByteArray records = std::exchange(m_pending, {});
    m_lastSendMs = m_scheduler.now();
    // The session's state says the WebSocket is open: it leaves Connected on
    // aboutToClose(), which QWebSocket emits as it writes a close frame.
    if (m_tcp && m_tcp->state() == QAbstractSocket::ConnectedState) {
        QByteArray &frames = m_scheduler.scratch();
        frames.resize(0);
        framewriter::appendTextFrames(frames, records, framewriter::kMaxBatchFramePayload);
        return !framewriter::write(*m_tcp, frames);
    }
    if (m_socket->state() != QAbstractSocket::ConnectedState)
        return false;
    m_socket->sendTextMessage(QString::fromUtf8(records));
    return true;
}

void HubSession::tick(qint64 nowMs)
{
    switch (m_state) {
    case State::AwaitingHandshake:
        if (nowMs - m_startedMs >= m_settings.handshakeTimeoutMs) {
            m_pending.append(hubprotocol::writeHandshakeResponse(
                {QStringLiteral("handshake timeout: no handshake within %1 ms")
                        .arg(m_settings.handshakeTimeoutMs)}));
            closeWithError({}, QWebSocketProtocol::CloseCodeNormal, "handshake_timeout");
        }
        break;
    case State::Connected:
        // allowReconnect as ASP.NET Core does: the client may be fine and only
        // its network slow, and without it standard clients give up for good.
        if (nowMs - m_lastReceiveMs >= m_settings.clientTimeoutMs)
            closeWithError(
                QStringLiteral("server timeout: nothing received from the client for %1 ms")
                    .arg(m_settings.clientTimeoutMs),
                QWebSocketProtocol::CloseCodeNormal, "timeout", true);
        else if (nowMs - m_lastSendMs >= m_settings.keepAliveMs && m_pending.isEmpty())
            send(HubMessage::ping());
        break;
    case State::Closing:
    case State::Closed:
        break;
    }
}

void HubSession::startAbortTimer()
{
    // Owned by the socket: gone with it, and harmless once it is closed.
    QWebSocket *socket = m_socket.get();
    QTimer::singleShot(kCloseGraceMs, socket, [socket] { socket->abort(); });
}

void HubSession::closeWithError(const QString &error, QWebSocketProtocol::CloseCode code,
    const char *metricReason, bool allowReconnect)
{
    if (m_state == State::Closing || m_state == State::Closed)
        return;
    // What was queued, and the Close message, go before the close frame.
    if (!error.isEmpty())
        m_pending.append(hubprotocol::writeMessage(HubMessage::close(error, allowReconnect)));
    writePending();
    m_state = State::Closing;
    m_closeReason = metricReason;
    m_hub.removeSession(this);
    m_scheduler.remove(this);
    startAbortTimer();
    qCDebug(lcSession) << "closing" << m_connectionId << int(code) << metricReason << error;
    // The WebSocket close reason is at most 123 bytes; errors here are ASCII.
    const QString reason = !error.isEmpty() ? error
        : !m_closeReasonText.isEmpty()      ? m_closeReasonText
                                            : QString::fromLatin1(metricReason);
    m_socket->close(code, reason.left(120));
}

void HubSession::shutdown()
{
    closeWithError(QStringLiteral("server shutting down"), QWebSocketProtocol::CloseCodeGoingAway,
        "shutdown", true);
}

void HubSession::onTextMessage(const QString &text)
{
    if (m_state != State::AwaitingHandshake && m_state != State::Connected)
        return;
    m_lastReceiveMs = m_scheduler.now();
    if (!m_records.append(text.toUtf8())) {
        closeWithError(
            QStringLiteral("record larger than %1 bytes").arg(m_settings.maxMessageBytes),
            QWebSocketProtocol::CloseCodeTooMuchData, "message_too_big");
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

void HubSession::onBinaryMessage(const QByteArray &)
{
    closeWithError(
        QStringLiteral("binary messages are not supported: the json hub protocol uses text frames"),
        QWebSocketProtocol::CloseCodeDatatypeNotSupported, "protocol_error");
}

void HubSession::handleHandshake(const QByteArray &record)
{
    const auto request = hubprotocol::parseHandshakeRequest(record);
    QString error;
    auto code = QWebSocketProtocol::CloseCodeNormal;
    const char *metricReason = "bad_handshake";
    if (!request) {
        error = request.error();
        code = QWebSocketProtocol::CloseCodeProtocolError;
    } else if (m_connectionId.isEmpty()) {
        // The first record a client reads is the handshake answer
        // (HubProtocol.md "Overview"), so the refusal of its id goes there.
        error = QStringLiteral("unknown connection id");
        code = QWebSocketProtocol::CloseCodePolicyViolated;
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
        closeWithError(
            parsed.error(), QWebSocketProtocol::CloseCodeProtocolError, "protocol_error");
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
        closeWithError({}, QWebSocketProtocol::CloseCodeNormal, "client_closed");
        break;
    case HubMessageType::Ack:
    case HubMessageType::Sequence:
        closeWithError(
            QStringLiteral(
                "message type %1 is not supported: this node does not offer stateful reconnect")
                .arg(int(message.type)),
            QWebSocketProtocol::CloseCodeDatatypeNotSupported, "protocol_error");
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
            QWebSocketProtocol::CloseCodePolicyViolated, "rate_limited");
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

void HubSession::onAboutToClose()
{
    if (m_state == State::Closing || m_state == State::Closed)
        return;
    // Qt closed it (too big, invalid UTF-8, protocol error) or the client did.
    switch (m_socket->closeCode()) {
    case QWebSocketProtocol::CloseCodeTooMuchData:
        m_closeReason = "message_too_big";
        break;
    case QWebSocketProtocol::CloseCodeWrongDatatype:
        m_closeReason = "invalid_utf8";
        break;
    case QWebSocketProtocol::CloseCodeProtocolError:
    case QWebSocketProtocol::CloseCodeDatatypeNotSupported:
        m_closeReason = "protocol_error";
        break;
    default:
        m_closeReason = "client_closed";
        break;
    }
    m_state = State::Closing;
    m_pending.clear(); // the close frame is out: nothing may follow it
    m_hub.removeSession(this);
    m_scheduler.remove(this);
    startAbortTimer();
}

void HubSession::onDisconnected()
{
    if (m_state == State::Closed)
        return;
    const char *reason = m_state == State::Closing && m_closeReason ? m_closeReason : "dropped";
    m_state = State::Closed;
    m_pending.clear();
    m_hub.removeSession(this);
    m_scheduler.remove(this);
    countClose(reason);
    --m_metrics.connectionsCurrent;
    Q_EMIT finished(this);
}

void HubSession::lingerAfterClose()
{
    // aboutToClose comes after the close frame was written and before Qt
    // closes the TCP socket: the moment to keep a duplicate of it.
    if (m_tcpDescriptor < 0 || !parent())
        return;
    auto *linger = new LingeringClose(std::exchange(m_tcpDescriptor, -1), parent());
    connect(m_socket.get(), &QWebSocket::disconnected, linger, &LingeringClose::begin);
    connect(m_socket.get(), &QObject::destroyed, linger, &LingeringClose::begin);
}

void HubSession::countClose(const char *reason)
{
    if (m_counted)
        return;
    m_counted = true;
    ++m_metrics.connectionsClosed[QString::fromLatin1(reason)];
}

} // namespace farmchat
