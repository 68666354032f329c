#include "client/hubconnection.h"

#include "client/logging_p.h"
#include "client/negotiator_p.h"
#include "client/pendinginvocations_p.h"
#include "protocol/hubmessage.h"
#include "protocol/hubprotocol.h"

#include <QNetworkCookie>
#include <QNetworkCookieJar>
#include <QNetworkRequest>
#include <QWebSocket>

#include <type_traits>

namespace farmchat {

static_assert(std::is_same_v<HubConnection::Callback, PendingInvocations::Callback>,
    "an invocation's callback is handed on unchanged");

namespace {

// How long a retired socket may take to finish its close handshake.
constexpr int kCloseGraceMs = 2000;

QString stateName(HubConnection::State state)
{
    switch (state) {
    case HubConnection::State::Disconnected:
        return QStringLiteral("disconnected");
    case HubConnection::State::Connecting:
        return QStringLiteral("connecting");
    case HubConnection::State::Connected:
        return QStringLiteral("connected");
    case HubConnection::State::Reconnecting:
        return QStringLiteral("reconnecting");
    }
    return {};
}

} // namespace

HubConnection::HubConnection(const QUrl &url, Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_hubUrls(QList<QUrl> {url} + m_options.fallbackUrls)
    , m_cookies(new QNetworkCookieJar(this))
    , m_negotiator(new Negotiator(this))
    , m_pending(std::make_unique<PendingInvocations>(this))
    , m_records(qsizetype(m_options.maxMessageBytes))
{
    m_negotiator->setCookieJar(m_cookies);
    m_attemptTimer.setSingleShot(true);
    m_connectTimer.setSingleShot(true);
    m_keepAliveTimer.setSingleShot(true);
    m_serverTimeoutTimer.setSingleShot(true);
    connect(&m_attemptTimer, &QTimer::timeout, this, &HubConnection::beginAttempt);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("could not connect to %1 within %2 ms")
                 .arg(hubUrl().toDisplayString())
                 .arg(m_options.connectTimeoutMs));
    });
    connect(&m_keepAliveTimer, &QTimer::timeout, this,
        [this] { sendRecord(hubprotocol::writeMessage(HubMessage::ping())); });
    connect(&m_serverTimeoutTimer, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("the server sent nothing for %1 ms").arg(m_options.serverTimeoutMs));
    });
    connect(m_negotiator, &Negotiator::finished, this,
        [this](const Result<Negotiator::Response> &result) {
            if (!result)
                return fail(result.error());
            m_connectionId = result->connectionId;
            openSocket(result->connectionToken);
        });
}

HubConnection::~HubConnection()
{
    // Close politely if we can; pending callbacks are dropped (see invoke()).
    retireSocket(QWebSocketProtocol::CloseCodeNormal);
}

qsizetype HubConnection::pendingInvocations() const
{
    return m_pending->count();
}

bool HubConnection::start()
{
    if (m_state != State::Disconnected)
        return false;
    m_everConnected = false;
    m_attempt = 0;
    m_lastError.clear();
    m_connectionId.clear();
    setState(State::Connecting);
    // The work starts from the event loop, so start() itself emits nothing but
    // stateChanged and callers can connect to the outcome afterwards.
    m_attemptTimer.start(0);
    return true;
}

void HubConnection::stop()
{
    if (m_state == State::Disconnected)
        return;
    m_negotiator->abort();
    retireSocket(QWebSocketProtocol::CloseCodeNormal);
    stopTimers();
    m_lastError = QStringLiteral("the client stopped the connection");
    const QPointer<HubConnection> self(this);
    setState(State::Disconnected);
    if (!self)
        return;
    m_pending->failAll(QStringLiteral("the connection was stopped"));
    if (self)
        Q_EMIT disconnected(m_lastError);
}

QString HubConnection::invoke(
    const QString &method, const QJsonArray &arguments, Callback callback, int timeoutMs)
{
    if (m_state != State::Connected || !m_handshakeDone) {
        const auto failure
            = Result<QJsonValue>::failure(QStringLiteral("cannot invoke '%1': the connection is %2")
                                              .arg(method, stateName(m_state)));
        if (callback)
            QTimer::singleShot(
                0, this, [callback = std::move(callback), failure] { callback(failure); });
        return {};
    }
    const QString id = m_pending->add(
        method, std::move(callback), timeoutMs < 0 ? m_options.invocationTimeoutMs : timeoutMs);
    sendRecord(hubprotocol::writeMessage(HubMessage::invocation(method, arguments, id)));
    return id;
}

bool HubConnection::send(const QString &method, const QJsonArray &arguments)
{
    if (m_state != State::Connected)
        return false;
    return sendRecord(hubprotocol::writeMessage(HubMessage::invocation(method, arguments)));
}

void HubConnection::moveTo(const QUrl &hubUrl)
{
    m_hubUrls = {hubUrl};
    m_urlIndex = 0;
    const bool wanted = m_state != State::Disconnected;
    if (m_state == State::Connected || m_state == State::Connecting)
        fail(QStringLiteral("moving to %1").arg(hubUrl.toDisplayString()));
    // A first connect under way ends without a retry: begin again there.
    if (wanted && m_state == State::Disconnected)
        start();
}

void HubConnection::setState(State state)
{
    if (m_state == state)
        return;
    qCDebug(lcHubConnection) << hubUrl().toDisplayString() << stateName(m_state) << "->"
                             << stateName(state);
    m_state = state;
    Q_EMIT stateChanged(state);
}

void HubConnection::beginAttempt()
{
    const QString scheme = hubUrl().scheme();
    const bool knownScheme
        = scheme == u"http" || scheme == u"https" || scheme == u"ws" || scheme == u"wss";
    if (!hubUrl().isValid() || !knownScheme || hubUrl().host().isEmpty()) {
        return fail(QStringLiteral("invalid hub URL '%1' (expected http://HOST:PORT/PATH)")
                        .arg(hubUrl().toDisplayString()),
            false);
    }
    qCDebug(lcHubConnection) << "attempt" << m_attempt << "to" << hubUrl().toDisplayString();
    m_connectTimer.start(m_options.connectTimeoutMs);
    if (m_options.skipNegotiation)
        openSocket(QString());
    else
        m_negotiator->start(hubUrl(), m_options.origin, m_options.connectTimeoutMs);
}

void HubConnection::openSocket(const QString &connectionToken)
{
    retireSocket(0);
    m_records.clear();
    m_handshakeDone = false;
    m_connectTimer.start(m_options.connectTimeoutMs);
    auto *socket = new QWebSocket(m_options.origin, QWebSocketProtocol::VersionLatest, this);
    socket->setMaxAllowedIncomingMessageSize(quint64(m_options.maxMessageBytes));
    socket->setMaxAllowedIncomingFrameSize(quint64(m_options.maxMessageBytes));
    m_socket = socket;
    connect(socket, &QWebSocket::connected, this, &HubConnection::onSocketConnected);
    connect(socket, &QWebSocket::disconnected, this, &HubConnection::onSocketDisconnected);
    connect(socket, &QWebSocket::textMessageReceived, this, &HubConnection::onTextMessage);
    connect(socket, &QWebSocket::binaryMessageReceived, this, &HubConnection::onBinaryMessage);
    connect(socket, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error), this,
        [this, socket, connectionToken](QAbstractSocket::SocketError) {
            if (socket != m_socket)
                return;
            // Qt names the refused upgrade's status only in its error text.
            if (!connectionToken.isEmpty() && socket->errorString().contains(u" 404"))
                return fail(QStringLiteral(
                    "the node did not know the connection token (404 No Connection with that "
                    "ID): negotiate reached one node and the WebSocket another; the load "
                    "balancer needs sticky sessions, or the client must skip negotiation"));
            fail(QStringLiteral("WebSocket error: %1").arg(socket->errorString()));
        });
    QNetworkRequest request(Negotiator::webSocketUrl(hubUrl(), connectionToken));
    // The negotiate answer's cookies (a sticky session) go with the upgrade.
    QStringList cookies;
    for (const QNetworkCookie &cookie : m_cookies->cookiesForUrl(hubUrl()))
        cookies << QString::fromLatin1(cookie.toRawForm(QNetworkCookie::NameAndValueOnly));
    if (!cookies.isEmpty())
        request.setRawHeader("Cookie", cookies.join(QStringLiteral("; ")).toLatin1());
    socket->open(request);
}

void HubConnection::onSocketConnected()
{
    // TransportProtocols.md: the client speaks first, with the handshake request.
    m_socket->sendTextMessage(QString::fromUtf8(hubprotocol::writeHandshakeRequest()));
}

void HubConnection::onSocketDisconnected()
{
    const QString reason = m_socket->closeCode() != QWebSocketProtocol::CloseCodeNormal
            || !m_socket->closeReason().isEmpty()
        ? QStringLiteral("the server closed the WebSocket (code %1%2)")
              .arg(int(m_socket->closeCode()))
              .arg(m_socket->closeReason().isEmpty() ? QString()
                                                     : u": " + m_socket->closeReason().left(200))
        : QStringLiteral("the server closed the WebSocket");
    fail(reason);
}

void HubConnection::onTextMessage(const QString &text)
{
    if (m_handshakeDone)
        m_serverTimeoutTimer.start(m_options.serverTimeoutMs);
    if (!m_records.append(text.toUtf8())) {
        return fail(QStringLiteral("the server sent a record longer than %1 bytes")
                        .arg(m_options.maxMessageBytes),
            true, QWebSocketProtocol::CloseCodeTooMuchData);
    }
    processRecords();
}

void HubConnection::onBinaryMessage()
{
    fail(QStringLiteral("the server sent a binary frame; the JSON hub protocol uses text frames"),
        true, QWebSocketProtocol::CloseCodeDatatypeNotSupported);
}

void HubConnection::processRecords()
{
    // A slot connected to one of our signals may stop, restart or delete us
    // between two records; stop as soon as this socket is no longer current.
    const QPointer<HubConnection> self(this);
    const QPointer<QWebSocket> socket = m_socket;
    while (self && socket && socket == m_socket) {
        const std::optional<QByteArray> record = m_records.takeRecord();
        if (!record)
            return;
        if (!m_handshakeDone) {
            handleHandshake(*record);
            continue;
        }
        const auto message = hubprotocol::parseMessage(*record);
        if (!message)
            return fail(
                QStringLiteral("the server sent a malformed message: %1").arg(message.error()),
                true, QWebSocketProtocol::CloseCodeProtocolError);
        handleMessage(message.value());
    }
}

bool HubConnection::handleHandshake(const QByteArray &record)
{
    const auto response = hubprotocol::parseHandshakeResponse(record);
    if (!response) {
        fail(QStringLiteral("the server sent a malformed handshake response: %1")
                 .arg(response.error()),
            true, QWebSocketProtocol::CloseCodeProtocolError);
        return false;
    }
    if (!response->error.isEmpty()) {
        fail(QStringLiteral("the server refused the handshake: %1").arg(response->error.left(200)),
            true, QWebSocketProtocol::CloseCodeNormal);
        return false;
    }
    m_handshakeDone = true;
    m_connectTimer.stop();
    m_serverTimeoutTimer.start(m_options.serverTimeoutMs);
    m_keepAliveTimer.start(m_options.keepAliveIntervalMs);
    m_attempt = 0;
    const bool again = m_everConnected;
    m_everConnected = true;
    const QPointer<HubConnection> self(this);
    setState(State::Connected);
    if (!self)
        return false;
    if (again)
        Q_EMIT reconnected();
    else
        Q_EMIT connected();
    return true;
}

void HubConnection::handleMessage(const HubMessage &message)
{
    switch (message.type) {
    case HubMessageType::Invocation:
        if (!message.invocationId.isEmpty()) {
            // The server wants a result (client results); this client returns none.
            sendRecord(hubprotocol::writeMessage(HubMessage::completionError(message.invocationId,
                QStringLiteral("this client does not return results for '%1'")
                    .arg(message.target))));
        }
        Q_EMIT invocationReceived(message.target, message.arguments);
        return;
    case HubMessageType::Completion:
        if (!m_pending->complete(message))
            qCDebug(lcHubConnection)
                << "completion for an unknown or timed-out invocation" << message.invocationId;
        return;
    case HubMessageType::Ping:
        return;
    case HubMessageType::Close: {
        const QString reason = message.hasError
            ? QStringLiteral("the server closed the connection: %1").arg(message.error.left(200))
            : QStringLiteral("the server closed the connection");
        return fail(reason, message.allowReconnect, QWebSocketProtocol::CloseCodeNormal);
    }
    case HubMessageType::StreamItem:
    case HubMessageType::StreamInvocation:
    case HubMessageType::CancelInvocation:
    case HubMessageType::Ack:
    case HubMessageType::Sequence:
        // Never requested by this client (no streams, no stateful reconnect).
        qCWarning(lcHubConnection) << "ignoring unexpected message of type" << int(message.type)
                                   << "from" << hubUrl().toDisplayString();
        return;
    }
}

bool HubConnection::sendRecord(const QByteArray &record)
{
    if (!m_socket || !m_handshakeDone)
        return false;
    m_socket->sendTextMessage(QString::fromUtf8(record));
    m_keepAliveTimer.start(m_options.keepAliveIntervalMs);
    return true;
}

void HubConnection::fail(const QString &reason, bool allowReconnect, int closeCode)
{
    if (m_state == State::Disconnected)
        return;
    qCInfo(lcHubConnection) << hubUrl().toDisplayString() << stateName(m_state)
                            << "failed:" << reason;
    m_lastError = reason;
    m_negotiator->abort();
    retireSocket(closeCode);
    stopTimers();

    const QPointer<HubConnection> self(this);
    const State before = m_state;
    if (before == State::Connecting && !m_everConnected) {
        finishDisconnected(reason);
        return;
    }
    if (before == State::Reconnecting) {
        ++m_attempt;
        // This hub did not take us back: the next attempt tries the next one.
        m_urlIndex = (m_urlIndex + 1) % int(m_hubUrls.size());
    } else {
        m_attempt = 0;
    }
    if (!allowReconnect || !m_options.reconnect.allowsRetry(m_attempt)) {
        const QString final = before == State::Reconnecting && allowReconnect
            ? QStringLiteral("gave up reconnecting after %1 attempts: %2")
                  .arg(m_attempt)
                  .arg(reason)
            : reason;
        m_pending->failAll(
            QStringLiteral("the connection was lost before the server answered: %1").arg(reason));
        if (self)
            finishDisconnected(final);
        return;
    }
    scheduleAttempt();
    if (before == State::Connected) {
        setState(State::Reconnecting);
        if (self)
            Q_EMIT reconnecting(reason);
        if (self)
            m_pending->failAll(
                QStringLiteral("the connection was lost before the server answered: %1")
                    .arg(reason));
    }
}

void HubConnection::scheduleAttempt()
{
    const int delay = m_options.reconnect.delayMs(m_attempt);
    qCDebug(lcHubConnection) << "next attempt" << m_attempt << "in" << delay << "ms";
    m_attemptTimer.start(delay);
}

void HubConnection::retireSocket(int closeCode)
{
    QWebSocket *socket = m_socket.data();
    if (!socket)
        return;
    m_socket.clear();
    m_handshakeDone = false;
    socket->disconnect(this);
    // We may be inside one of this socket's signals, or inside our own
    // destructor called from one: never delete it here, and let it outlive us
    // long enough to finish a polite close.
    socket->setParent(nullptr);
    if (closeCode != 0 && socket->state() == QAbstractSocket::ConnectedState) {
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(kCloseGraceMs, socket, &QObject::deleteLater);
        socket->close(QWebSocketProtocol::CloseCode(closeCode));
    } else {
        socket->abort();
        socket->deleteLater();
    }
}

void HubConnection::stopTimers()
{
    m_attemptTimer.stop();
    m_connectTimer.stop();
    m_keepAliveTimer.stop();
    m_serverTimeoutTimer.stop();
}

void HubConnection::finishDisconnected(const QString &reason)
{
    stopTimers();
    const QPointer<HubConnection> self(this);
    setState(State::Disconnected);
    if (self)
        Q_EMIT disconnected(reason);
}

} // namespace farmchat
