#include "server/node.h"

#include "backplane/backplanefactory.h"
#include "platform/filelimit.h"
#include "platform/readinessloop.h"
#include "protocol/limits.h"
#include "server/chathub_p.h"
#include "server/framewriter_p.h"
#include "server/httpserver_p.h"
#include "server/hubsession_p.h"
#include "server/nodehttpapi_p.h"
#include "server/sessionscheduler_p.h"
#include "server/tcpconnection_p.h"

#include <QLoggingCategory>
#include <QUrlQuery>

namespace farmchat {

Q_LOGGING_CATEGORY(lcNode, "farmchat.node", QtInfoMsg)

namespace {

// A client that reconnects after a graceful stop gets this much time to flush.
constexpr int kStopGraceMs = 2000;
// File descriptors kept out of the socket budget: Redis links, the listening
// socket, stdio, sockets Qt has accepted but not handed over yet.
constexpr int kReservedFds = 64;

} // namespace

Node::Node(NodeConfig config, QObject *parent) : Node(std::move(config), {}, parent) { }

Node::Node(NodeConfig config, BackplaneSwitch::Maker maker, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_maker(std::move(maker))
{
    m_stopTimer.setSingleShot(true);
    connect(&m_stopTimer, &QTimer::timeout, this, &Node::finishStop);
}

Node::~Node()
{
    // Sessions point at the hub and the metrics: they go first.
    const QSet<HubSession *> sessions = std::exchange(m_sessions, {});
    qDeleteAll(sessions);
    // Then every other connection, while the loop they are watched on lives.
    m_http.reset();
    m_closing.reset();
}

Result<void, Node::StartError> Node::start()
{
    HttpServer::Settings http;
    http.headTimeoutMs = m_config.handshakeTimeoutMs;
    if (const int fileLimit = openFileLimit(); fileLimit > 0)
        http.maxSockets = qMax(16, fileLimit - kReservedFds);
    // One readiness loop for every connection of the node (docs/CONNECTIONS.md).
    m_loop = std::make_unique<ReadinessLoop>();
    m_closing = std::make_unique<QObject>();
    m_http = std::make_unique<HttpServer>(http, m_metrics, *m_loop);
    using R = Result<void, StartError>;
    if (const auto listening = m_http->listen(m_config.bindAddress, m_config.port); !listening)
        return R::failure({3, listening.error()});
    m_nodeId = m_config.nodeId.isEmpty() ? QStringLiteral("node-%1").arg(port()) : m_config.nodeId;
    m_http->setOriginPolicy(
        OriginPolicy(m_config.bindAddress, port(), m_config.allowedOrigins, m_config.publicUrls));

    BackplaneSettings settings;
    settings.nodeId = m_nodeId;
    settings.redisUrl = m_config.redisUrl;
    settings.redisPassword = m_config.redisPassword;
    settings.redisSentinels = m_config.redisSentinels;
    settings.redisCluster = m_config.redisCluster;
    settings.redisMasterName = m_config.redisMasterName;
    settings.sentinelPassword = m_config.sentinelPassword;
    settings.channelPrefix = m_config.channelPrefix;
    settings.history = m_config.history;
    settings.outboxCapacity = m_config.outboxCapacity;
    settings.roomIdleTtlMs = m_config.roomIdleTtlMs;
    settings.streamWaitReplicas = m_config.streamWaitReplicas;
    settings.streamWaitTimeoutMs = m_config.streamWaitTimeoutMs;
    m_factory = std::make_unique<BackplaneFactory>(settings, m_metrics);
    BackplaneSwitch::Maker maker = m_maker;
    if (!maker)
        maker = [this](BackplaneMode mode) { return m_factory->create(mode); };
    m_backplane = std::make_unique<BackplaneSwitch>(std::move(maker));
    if (const auto started = m_backplane->start(m_config.backplane); !started)
        return R::failure({2,
            QStringLiteral("cannot start backplane '%1': %2")
                .arg(modeName(m_config.backplane), started.error())});

    m_hub = std::make_unique<ChatHub>(m_nodeId, m_config.history, *m_backplane, m_metrics);
    m_scheduler = std::make_unique<SessionScheduler>(SessionScheduler::tickIntervalFor(
        m_config.keepAliveMs, m_config.clientTimeoutMs, m_config.handshakeTimeoutMs));
    m_api
        = std::make_unique<NodeHttpApi>(NodeHttpApi::Context {m_nodeId, port(), m_config.adminToken,
            m_config.hasRedis(), m_metrics, *m_hub, *m_backplane, m_tokens, m_factory->sentinel()});
    m_http->setHandler([this](const HttpRequest &request, HttpServer::Responder respond) {
        m_api->handle(request, respond);
    });
    m_http->setUpgradeGate([this](const HttpRequest &request) -> std::optional<HttpResponse> {
        if (m_stopping)
            return HttpResponse::error(503, QStringLiteral("node is shutting down"));
        // A token this node never issued (or one used or expired) is refused
        // before the upgrade with 404, as ASP.NET Core does ("No Connection
        // with that ID"): behind a balancer without sticky sessions, the
        // negotiate went to another node.
        const QString token
            = request.query.queryItemValue(QStringLiteral("id"), QUrl::FullyDecoded);
        if (!token.isEmpty() && !m_tokens.isRedeemable(token)) {
            ++m_metrics.connectionsRejected[QStringLiteral("unknown_connection_id")];
            return HttpResponse::error(404,
                QStringLiteral("No Connection with that ID: %1 did not issue it, or it was used "
                               "or expired (behind a load balancer, negotiate and the WebSocket "
                               "must reach the same node: use sticky sessions or "
                               "skipNegotiation)")
                    .arg(m_nodeId));
        }
        if (int(m_sessions.size()) >= m_config.maxConnections)
            return HttpResponse::error(503,
                QStringLiteral("node is at capacity: %1 connections (--max-connections)")
                    .arg(m_config.maxConnections));
        return std::nullopt;
    });
    connect(m_http.get(), &HttpServer::webSocketConnected, this, &Node::onWebSocket);
    qCInfo(lcNode).noquote() << m_nodeId << "backplane" << modeName(m_backplane->mode()) << "on"
                             << url();
    return {};
}

quint16 Node::port() const
{
    return m_http ? m_http->port() : 0;
}

QString Node::url() const
{
    return QStringLiteral("http://%1:%2").arg(m_config.bindHostForUrl()).arg(port());
}

int Node::clientCount() const
{
    return m_hub ? m_hub->sessionCount() : 0;
}

void Node::refuseWebSocket(
    std::unique_ptr<TcpConnection> connection, quint16 code, const QString &reason)
{
    connection->queue(framewriter::closeFrame(code, reason.toUtf8()));
    TcpConnection::closeDetached(std::move(connection), m_closing.get(), kStopGraceMs);
}

void Node::onWebSocket(TcpConnection *raw, const HttpRequest &request)
{
    std::unique_ptr<TcpConnection> connection(raw);
    if (m_stopping)
        return refuseWebSocket(std::move(connection), closecode::kGoingAway, {});
    // The upgrade gate counts sessions, so this should not happen; if it
    // does, the cap still holds (1013 Try Again Later, from the IANA
    // WebSocket close code registry).
    if (int(m_sessions.size()) >= m_config.maxConnections) {
        ++m_metrics.connectionsRejected[QStringLiteral("capacity")];
        return refuseWebSocket(std::move(connection), closecode::kTryAgainLater,
            QStringLiteral("node is at capacity: %1 connections").arg(m_config.maxConnections));
    }
    // TransportProtocols.md: the negotiate token comes back as ?id=. Without
    // one the client skipped negotiation, which is allowed.
    const QString token = request.query.queryItemValue(QStringLiteral("id"), QUrl::FullyDecoded);
    const QString connectionId
        = token.isEmpty() ? ConnectionTokens::randomId() : m_tokens.redeem(token);
    const HubSession::Settings settings {m_config.keepAliveMs, m_config.clientTimeoutMs,
        m_config.handshakeTimeoutMs, m_config.rateLimit, m_config.sendQueueBytes,
        m_config.maxMessageBytes};
    auto *session = new HubSession(
        std::move(connection), connectionId, settings, *m_hub, m_metrics, *m_scheduler, this);
    m_sessions.insert(session);
    connect(session, &HubSession::finished, this, &Node::onSessionFinished);
}

void Node::onSessionFinished(HubSession *session)
{
    if (m_sessions.remove(session))
        session->deleteLater();
    if (m_stopping && m_sessions.isEmpty())
        finishStop();
}

void Node::stop()
{
    if (m_stopping)
        return;
    m_stopping = true;
    qCInfo(lcNode).noquote() << m_nodeId << "stopping:" << m_sessions.size() << "clients to close";
    if (m_http) {
        m_http->stopListening();
        m_http->closeHttpConnections();
    }
    const QSet<HubSession *> sessions = m_sessions;
    for (HubSession *session : sessions)
        session->shutdown();
    if (m_sessions.isEmpty())
        QMetaObject::invokeMethod(this, &Node::finishStop, Qt::QueuedConnection);
    else
        m_stopTimer.start(kStopGraceMs);
}

void Node::finishStop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_stopTimer.stop();
    Q_EMIT stopped();
}

} // namespace farmchat
