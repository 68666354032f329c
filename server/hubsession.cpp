#include "server/hubsession.h"

#include "platform/lingeringclose.h"
#include "protocol/hubprotocol.h"
#include "server/chathub.h"
#include "server/nodemetrics.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QWebSocket>

namespace farmchat {

Q_LOGGING_CATEGORY(lcSession, "farmchat.node.session", QtInfoMsg)

namespace {

// Time a closing connection gets to flush its last frames before it is cut.
constexpr int kCloseGraceMs = 2000;

} // namespace

HubSession::HubSession(std::unique_ptr<QWebSocket> socket, QString connectionId,
    const Settings &settings, ChatHub &hub, NodeMetrics &metrics, QObject *parent,
    qintptr tcpDescriptor)
    : QObject(parent)
    , m_socket(std::move(socket))
    , m_connectionId(std::move(connectionId))
    , m_settings(settings)
    , m_hub(hub)
    , m_metrics(metrics)
    , m_records(settings.maxMessageBytes)
    , m_bucket(settings.rateLimit, settings.rateLimit, 0)
    , m_tcpDescriptor(tcpDescriptor)
{
    m_clock.start();
    ++m_metrics.connectionsCurrent;
    ++m_metrics.connectionsTotal;

    // Qt enforces these itself: 1009 for too big, 1007 for invalid UTF-8.
    m_socket->setMaxAllowedIncomingMessageSize(quint64(settings.maxMessageBytes));
    m_socket->setMaxAllowedIncomingFrameSize(quint64(settings.maxMessageBytes));
    connect(m_socket.get(), &QWebSocket::textMessageReceived, this, &HubSession::onTextMessage);
    connect(m_socket.get(), &QWebSocket::binaryMessageReceived, this, &HubSession::onBinaryMessage);
    connect(m_socket.get(), &QWebSocket::aboutToClose, this, &HubSession::onAboutToClose);
    // Every close path (this session's, Qt's protocol errors, the client's) goes through here.
    connect(m_socket.get(), &QWebSocket::aboutToClose, this, &HubSession::lingerAfterClose);
    connect(m_socket.get(), &QWebSocket::disconnected, this, &HubSession::onDisconnected);

    for (QTimer *timer :
        {&m_handshakeTimer, &m_keepAliveTimer, &m_clientTimeoutTimer, &m_abortTimer})
        timer->setSingleShot(true);
    connect(&m_handshakeTimer, &QTimer::timeout, this, [this] {
        m_socket->sendTextMessage(QString::fromUtf8(hubprotocol::writeHandshakeResponse(
            {QStringLiteral("handshake timeout: no handshake within %1 ms")
                    .arg(m_settings.handshakeTimeoutMs)})));
        closeWithError({}, QWebSocketProtocol::CloseCodeNormal, "handshake_timeout");
    });
    connect(&m_keepAliveTimer, &QTimer::timeout, this, [this] { send(HubMessage::ping()); });
    connect(&m_clientTimeoutTimer, &QTimer::timeout, this, [this] {
        closeWithError(QStringLiteral("server timeout: nothing received from the client for %1 ms")
                           .arg(m_settings.clientTimeoutMs),
            QWebSocketProtocol::CloseCodeNormal, "timeout");
    });
    connect(&m_abortTimer, &QTimer::timeout, this, [this] { m_socket->abort(); });
    m_handshakeTimer.start(settings.handshakeTimeoutMs);

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
    if (m_state != State::Closed) {
        m_hub.removeSession(this);
        --m_metrics.connectionsCurrent;
    }
    // Destroying an open QWebSocket closes it and emits aboutToClose(); this
    // session's timers are gone by the time members are destroyed.
    m_socket->disconnect(this);
    m_socket.reset();
}

void HubSession::sendRecord(const QString &record)
{
    if (m_state != State::Connected)
        return;
    m_socket->sendTextMessage(record);
    m_keepAliveTimer.start(m_settings.keepAliveMs);
    // A client that does not read must not make the node hold its messages
    // without bound: past the limit it is dropped with a reason.
    if (m_socket->bytesToWrite() > m_settings.sendQueueBytes) {
        qCInfo(lcSession) << "dropping client" << m_connectionId << "with"
                          << m_socket->bytesToWrite() << "unsent bytes";
        closeWithError(QStringLiteral("send queue full: client too slow"),
            QWebSocketProtocol::CloseCodePolicyViolated, "slow_reader");
    }
}

void HubSession::send(const HubMessage &message)
{
    sendRecord(QString::fromUtf8(hubprotocol::writeMessage(message)));
}

void HubSession::closeWithError(const QString &error, QWebSocketProtocol::CloseCode code,
    const char *metricReason, bool allowReconnect)
{
    if (m_state == State::Closing || m_state == State::Closed)
        return;
    if (!error.isEmpty())
        m_socket->sendTextMessage(
            QString::fromUtf8(hubprotocol::writeMessage(HubMessage::close(error, allowReconnect))));
    m_state = State::Closing;
    m_closeReason = metricReason;
    m_hub.removeSession(this);
    m_handshakeTimer.stop();
    m_keepAliveTimer.stop();
    m_clientTimeoutTimer.stop();
    m_abortTimer.start(kCloseGraceMs);
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
    if (m_state == State::Connected)
        m_clientTimeoutTimer.start(m_settings.clientTimeoutMs);
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
        m_socket->sendTextMessage(QString::fromUtf8(hubprotocol::writeHandshakeResponse({error})));
        m_closeReasonText = error;
        closeWithError({}, code, metricReason);
        return;
    }
    m_socket->sendTextMessage(QString::fromUtf8(hubprotocol::writeHandshakeResponse()));
    m_state = State::Connected;
    m_handshakeTimer.stop();
    m_keepAliveTimer.start(m_settings.keepAliveMs);
    m_clientTimeoutTimer.start(m_settings.clientTimeoutMs);
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
    if (m_bucket.take(m_clock.elapsed())) {
        m_rejectedInRow = 0;
        return true;
    }
    ++m_metrics.invocationsRejected[QStringLiteral("rate_limited")];
    if (++m_rejectedInRow > m_settings.rateLimit) {
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
    m_hub.invoke(this, message, [self, id](const ChatHub::Reply &reply) {
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
    m_hub.removeSession(this);
    m_handshakeTimer.stop();
    m_keepAliveTimer.stop();
    m_clientTimeoutTimer.stop();
    m_abortTimer.start(kCloseGraceMs);
}

void HubSession::onDisconnected()
{
    if (m_state == State::Closed)
        return;
    const char *reason = m_state == State::Closing && m_closeReason ? m_closeReason : "dropped";
    m_state = State::Closed;
    m_hub.removeSession(this);
    for (QTimer *timer :
        {&m_handshakeTimer, &m_keepAliveTimer, &m_clientTimeoutTimer, &m_abortTimer})
        timer->stop();
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
