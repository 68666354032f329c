#pragma once

#include "core/result.h"
#include "server/httprequestparser.h"
#include "server/httpresponse_p.h"
#include "server/originpolicy.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>
#include <optional>

class QTcpServer;
class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace farmchat {

class HttpConnection;
struct NodeMetrics;

// HTTP and WebSocket on one port. A QTcpServer accepts; each connection is
// read as HTTP (HttpConnection) and either answered by the request handler or,
// for a WebSocket upgrade that passes the Host, Origin and capacity checks,
// handed untouched to a non-listening QWebSocketServer through
// handleConnection(), which on Qt 6.4.2 re-reads the head and answers 101
// itself (qwebsocketserver_p.cpp: handleConnection, handshakeReceived).
class HttpServer : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        HttpLimits limits;
        int headTimeoutMs = 15000; // a request head must arrive within this
        int maxHttpConnections = 4096; // plain HTTP connections open at once
        // Sockets open at once, upgraded ones included; <= 0: no limit. The node
        // sets it below `ulimit -n`: Qt 6.4's QTcpServer retries accept() in a
        // busy loop on EMFILE instead of reporting it.
        int maxSockets = 0;
    };
    using Responder = std::function<void(const HttpResponse &)>;
    using Handler = std::function<void(const HttpRequest &, Responder)>;
    // A refusal for this upgrade (503 when full), or nullopt to accept it.
    using UpgradeGate = std::function<std::optional<HttpResponse>(const HttpRequest &)>;

    HttpServer(Settings settings, NodeMetrics &metrics, QObject *parent = nullptr);
    ~HttpServer() override;

    // Fails with a sentence for the operator (who holds the port, what to do).
    Result<void> listen(const QHostAddress &address, quint16 port);
    quint16 port() const;
    // Stops accepting; open connections carry on until closed.
    void stopListening();
    // Closes every plain HTTP connection now (node shutdown).
    void closeHttpConnections();

    void setOriginPolicy(OriginPolicy policy) { m_policy = std::move(policy); }
    const OriginPolicy &originPolicy() const { return m_policy; }
    void setHandler(Handler handler) { m_handler = std::move(handler); }
    void setUpgradeGate(UpgradeGate gate) { m_gate = std::move(gate); }
    // Upgrades handed to QWebSocketServer whose WebSocket does not exist yet.
    int pendingUpgrades();

Q_SIGNALS:
    // A client completed the WebSocket opening handshake on GET /chat. The
    // receiver takes ownership of `socket`; `tcp` is the TCP socket under it
    // (null when unknown; owned by QWebSocketServer, deleted after it
    // disconnects), for direct frame writes and a lingering close.
    void webSocketConnected(QWebSocket *socket, QTcpSocket *tcp);

private:
    void dispatch(HttpConnection *connection, quint64 serial, const HttpRequest &request);
    void countRefusal(int status);
    std::optional<HttpResponse> checkRequest(const HttpRequest &request) const;
    std::optional<HttpResponse> checkUpgrade(const HttpRequest &request) const;
    void upgrade(HttpConnection *connection, const HttpRequest &request);
    void onNewConnection();
    bool isFull() const;
    bool closeIdleConnection();
    void reportFull(bool full);
    void onWebSocket();
    void finishResponse(HttpResponse &response, const HttpRequest &request) const;

    Settings m_settings;
    NodeMetrics &m_metrics;
    OriginPolicy m_policy;
    Handler m_handler;
    UpgradeGate m_gate;
    std::unique_ptr<QTcpServer> m_tcp;
    std::unique_ptr<QWebSocketServer> m_webSockets;
    QHash<QString, QPointer<QTcpSocket>> m_upgrading; // by peer "address port"
    int m_httpConnections = 0;
    int m_openSockets = 0; // accepted and not yet destroyed, upgraded ones included
    bool m_full = false; // said so in the log; said again only after a recovery
};

} // namespace farmchat
