#include "server/httpserver_p.h"

#include "platform/lingeringclose.h"
#include "platform/portowner.h"
#include "platform/readinessloop.h"
#include "platform/socketio.h"
#include "server/httpconnection_p.h"
#include "server/nodemetrics.h"
#include "server/tcpconnection_p.h"
#include "server/websockethandshake_p.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QTimer>

namespace farmchat {

Q_LOGGING_CATEGORY(lcHttp, "farmchat.node.http", QtInfoMsg)

namespace {

constexpr int kListenBacklog = 1024;

bool isSafeMethod(const QByteArray &method)
{
    return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

} // namespace

void DescriptorServer::incomingConnection(qintptr descriptor)
{
    Q_EMIT descriptorAccepted(descriptor);
}

HttpServer::HttpServer(
    Settings settings, NodeMetrics &metrics, ReadinessLoop &loop, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_metrics(metrics)
    , m_loop(loop)
    , m_tcp(std::make_unique<DescriptorServer>())
{
    connect(m_tcp.get(), &DescriptorServer::descriptorAccepted, this, &HttpServer::onDescriptor);
    connect(
        m_tcp.get(), &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError error) {
            // Qt paused accepting; try again shortly instead of going deaf for good.
            // (EMFILE never gets here on Qt 6.4: it retries accept() in a loop, which
            // Settings::maxSockets keeps the node away from.)
            if (!m_full)
                qCWarning(lcHttp) << "accepting a connection failed:" << error
                                  << m_tcp->errorString() << "(retrying every 100 ms)";
            m_full = true;
            m_tcp->pauseAccepting();
            QTimer::singleShot(100, this, [this] { m_tcp->resumeAccepting(); });
        });
}

HttpServer::~HttpServer()
{
    // Connections first: they point back at this server.
    qDeleteAll(findChildren<HttpConnection *>(QString(), Qt::FindDirectChildrenOnly));
}

Result<void> HttpServer::listen(const QHostAddress &address, quint16 port)
{
    // Qt's default backlog is 50: a burst of connects overflows it and the
    // clients left out wait a second for their SYN to be retried (the kernel
    // caps this at net.core.somaxconn; Node.js asks for 511).
    m_tcp->setListenBacklogSize(kListenBacklog);
    if (m_tcp->listen(address, port))
        return {};
    if (m_tcp->serverError() == QAbstractSocket::AddressInUseError) {
        QString message = QStringLiteral("port %1 is already in use").arg(port);
        const QString owner = describePortOwner(port);
        if (!owner.isEmpty())
            message += QStringLiteral(" by ") + owner;
        message += QStringLiteral("; choose another with --port, or --port 0 for a free one");
        return Result<void>::failure(message);
    }
    return Result<void>::failure(QStringLiteral("cannot listen on %1 port %2: %3")
                                     .arg(address.toString())
                                     .arg(port)
                                     .arg(m_tcp->errorString()));
}

quint16 HttpServer::port() const
{
    return m_tcp->serverPort();
}

void HttpServer::stopListening()
{
    m_tcp->close();
}

void HttpServer::closeHttpConnections()
{
    for (HttpConnection *connection :
        findChildren<HttpConnection *>(QString(), Qt::FindDirectChildrenOnly))
        connection->close();
}

int HttpServer::openSockets() const
{
    // Every open connection of the node is watched by its loop, and only those.
    return m_loop.watchedCount();
}

void HttpServer::onDescriptor(qintptr descriptor)
{
    const bool full = isFull();
    reportFull(full);
    // Room for the newcomer comes from a connection that is not using its
    // slot: an idle or half-sent request, the oldest first (5,000 idle
    // sockets must not lock /health out).
    if (full && !closeIdleConnection()) {
        ++m_metrics.connectionsRejected[QStringLiteral("http_capacity")];
        socketio::closeDescriptor(descriptor);
        return;
    }
    // TcpConnection sets TCP_NODELAY: hub records are small writes in quick
    // succession, and Nagle's algorithm would hold each one behind the
    // client's delayed ACK (~40 ms). It stays on through the WebSocket upgrade.
    ++m_httpConnections;
    auto *connection = new HttpConnection(std::make_unique<TcpConnection>(m_loop, descriptor),
        m_settings.limits, m_settings.headTimeoutMs, this);
    connect(connection, &HttpConnection::requestReceived, this, &HttpServer::dispatch);
    connect(connection, &HttpConnection::requestRefused, this, &HttpServer::countRefusal);
    connect(connection, &HttpConnection::finished, this, [this](HttpConnection *c) {
        --m_httpConnections;
        c->deleteLater();
    });
}

bool HttpServer::isFull() const
{
    // Connections closing in the background (LingeringClose) hold descriptors too.
    return m_httpConnections >= m_settings.maxHttpConnections
        || (m_settings.maxSockets > 0
            && openSockets() + LingeringClose::active() >= m_settings.maxSockets);
}

bool HttpServer::closeIdleConnection()
{
    // Children are in creation order: the first one waiting is the oldest.
    for (HttpConnection *connection :
        findChildren<HttpConnection *>(QString(), Qt::FindDirectChildrenOnly)) {
        if (connection->isAwaitingRequest()) {
            ++m_metrics.connectionsRejected[QStringLiteral("idle_evicted")];
            connection->close();
            return true;
        }
    }
    return false;
}

void HttpServer::reportFull(bool full)
{
    if (full && !m_full) {
        m_full = true;
        qCWarning(lcHttp).noquote()
            << QStringLiteral("at capacity: %1 sockets open (%2 plain HTTP); the limit is %3 "
                              "sockets (from ulimit -n) and %4 plain HTTP connections; closing "
                              "idle connections to make room (logged once until it recovers)")
                   .arg(openSockets())
                   .arg(m_httpConnections)
                   .arg(m_settings.maxSockets > 0 ? QString::number(m_settings.maxSockets)
                                                  : QStringLiteral("no"))
                   .arg(m_settings.maxHttpConnections);
        return;
    }
    // Recovered only well below the limits, so a node hovering at them logs once.
    const bool relaxed = m_httpConnections < m_settings.maxHttpConnections * 9 / 10
        && (m_settings.maxSockets <= 0 || openSockets() < m_settings.maxSockets * 9 / 10);
    if (m_full && relaxed) {
        m_full = false;
        qCInfo(lcHttp).noquote()
            << QStringLiteral("below capacity again: %1 sockets open").arg(openSockets());
    }
}

void HttpServer::countRefusal(int status)
{
    ++m_metrics.httpRequests;
    ++m_metrics.httpErrors[status];
}

void HttpServer::finishResponse(HttpResponse &response, const HttpRequest &request) const
{
    const QByteArray origin = request.header("origin");
    if (!origin.isEmpty() && m_policy.isOriginAllowed(origin)) {
        // Other nodes of the farm (--allowed-origin) may call this one from a page.
        response.setHeader("Access-Control-Allow-Origin", origin);
        response.setHeader("Access-Control-Allow-Credentials", "true");
        response.setHeader("Vary", "Origin");
    }
    ++m_metrics.httpRequests;
    if (response.status >= 400)
        ++m_metrics.httpErrors[response.status];
}

std::optional<HttpResponse> HttpServer::checkRequest(const HttpRequest &request) const
{
    const QByteArray host = request.header("host");
    if (request.hasHeader("host") && !m_policy.isHostAllowed(host)) {
        ++m_metrics.connectionsRejected[QStringLiteral("host")];
        return HttpResponse::error(421,
            QStringLiteral("host '%1' does not name this node; use http://127.0.0.1:%2/")
                .arg(QString::fromLatin1(host.left(128)))
                .arg(port()));
    }
    const QByteArray origin = request.header("origin");
    if ((request.isWebSocketUpgrade() || !isSafeMethod(request.method)
            || request.method == "OPTIONS")
        && !m_policy.isOriginAllowed(origin)) {
        ++m_metrics.connectionsRejected[QStringLiteral("origin")];
        return HttpResponse::error(403,
            QStringLiteral("origin '%1' is not allowed; start the node with "
                           "--allowed-origin %1 to allow it")
                .arg(QString::fromLatin1(origin.left(256))));
    }
    return std::nullopt;
}

std::optional<HttpResponse> HttpServer::checkUpgrade(const HttpRequest &request) const
{
    if (request.path != u"/chat")
        return HttpResponse::error(404,
            QStringLiteral("no WebSocket endpoint at %1; the hub is at /chat")
                .arg(request.path.left(128)));
    if (auto refusal = WebSocketHandshake::check(request))
        return refusal;
    if (m_gate)
        return m_gate(request);
    return std::nullopt;
}

void HttpServer::dispatch(HttpConnection *connection, quint64 serial, const HttpRequest &request)
{
    const QPointer<HttpConnection> target(connection);
    Responder respond = [this, target, serial, request](const HttpResponse &answer) {
        HttpResponse response = answer;
        finishResponse(response, request);
        if (target)
            target->respond(serial, response);
    };
    if (auto refusal = checkRequest(request))
        return respond(*refusal);
    if (request.isWebSocketUpgrade()) {
        if (auto refusal = checkUpgrade(request)) {
            if (refusal->status == 503)
                ++m_metrics.connectionsRejected[QStringLiteral("capacity")];
            return respond(*refusal);
        }
        return upgrade(connection, request);
    }
    if (request.method == "OPTIONS") {
        // A CORS preflight from an allowed origin (checked above).
        HttpResponse preflight;
        preflight.status = 204;
        preflight.setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS");
        const QByteArray wanted = request.header("access-control-request-headers");
        if (!wanted.isEmpty())
            preflight.setHeader("Access-Control-Allow-Headers", wanted);
        preflight.setHeader("Access-Control-Max-Age", "600");
        preflight.setHeader("Allow", "GET, HEAD, POST, PUT, OPTIONS");
        return respond(preflight);
    }
    if (!m_handler)
        return respond(HttpResponse::error(404, QStringLiteral("nothing here")));
    m_handler(request, std::move(respond));
}

void HttpServer::upgrade(HttpConnection *connection, const HttpRequest &request)
{
    const auto answer = WebSocketHandshake::answer(request);
    if (!answer) // checkUpgrade() passed it: cannot happen
        return connection->close();
    std::unique_ptr<TcpConnection> socket = connection->takeConnection();
    if (!socket)
        return;
    socket->queue(answer.value());
    socket->flush();
    // Handed on even when the flush found the peer gone: this runs inside the
    // connection's own read callback, so it must not be destroyed here. Its
    // session sees it closed on the next turn and ends.
    Q_EMIT webSocketConnected(socket.release(), request);
}

} // namespace farmchat
