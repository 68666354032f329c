#pragma once

#include "backplane/backplaneswitch.h"
#include "core/result.h"
#include "server/connectiontokens.h"
#include "server/nodeconfig.h"
#include "server/nodemetrics.h"

#include <QObject>
#include <QSet>
#include <QTimer>

#include <memory>

namespace farmchat {

class BackplaneFactory;
class ChatHub;
class HttpServer;
class HubSession;
class NodeHttpApi;
class ReadinessLoop;
class SessionScheduler;
class TcpConnection;
struct HttpRequest;

// One chat node, composed: the HTTP/WebSocket server, the hub, the backplane
// switch and the metrics, wired from a NodeConfig. farmchat-node's main()
// runs one; in-process tests run several.
class Node : public QObject
{
    Q_OBJECT
public:
    struct StartError
    {
        int exitCode = 0; // 3: cannot listen (port in use), 2: bad configuration
        QString message;
    };

    explicit Node(NodeConfig config, QObject *parent = nullptr);
    // Tests pass their own backplane maker (a LoopbackBus farm) instead of BackplaneFactory.
    Node(NodeConfig config, BackplaneSwitch::Maker maker, QObject *parent = nullptr);
    ~Node() override;

    // Listens and builds everything; nothing is accepted before the event loop runs.
    Result<void, StartError> start();
    // Graceful stop: no new connections, Close message and close 1001 to every
    // client, at most two seconds to flush; then stopped().
    void stop();

    quint16 port() const;
    const QString &nodeId() const { return m_nodeId; }
    QString url() const; // "http://127.0.0.1:9090"
    int clientCount() const;
    const NodeConfig &config() const { return m_config; }
    NodeMetrics &metrics() { return m_metrics; }
    BackplaneSwitch *backplane() const { return m_backplane.get(); }
    ChatHub *hub() const { return m_hub.get(); }
    HttpServer *httpServer() const { return m_http.get(); }

Q_SIGNALS:
    void stopped();

private:
    void onWebSocket(TcpConnection *connection, const HttpRequest &request);
    void refuseWebSocket(
        std::unique_ptr<TcpConnection> connection, quint16 code, const QString &reason);
    void onSessionFinished(HubSession *session);
    void finishStop();

    NodeConfig m_config;
    QString m_nodeId;
    NodeMetrics m_metrics;
    BackplaneSwitch::Maker m_maker;
    ConnectionTokens m_tokens;
    std::unique_ptr<BackplaneFactory> m_factory;
    std::unique_ptr<BackplaneSwitch> m_backplane;
    std::unique_ptr<ChatHub> m_hub;
    std::unique_ptr<NodeHttpApi> m_api;
    std::unique_ptr<ReadinessLoop> m_loop; // outlives every connection below
    std::unique_ptr<QObject> m_closing; // parent of WebSockets refused after the upgrade
    std::unique_ptr<HttpServer> m_http;
    std::unique_ptr<SessionScheduler> m_scheduler; // outlives the sessions
    QSet<HubSession *> m_sessions; // children of this node
    QTimer m_stopTimer;
    bool m_stopping = false;
    bool m_stopped = false;
};

} // namespace farmchat
