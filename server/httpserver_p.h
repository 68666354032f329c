#pragma once

#include "core/result.h"
#include "server/httprequestparser.h"
#include "server/httpresponse_p.h"
#include "server/originpolicy.h"

#include <QHostAddress>
#include <QObject>
#include <QTcpServer>

#include <functional>
#include <memory>
#include <optional>

namespace farmchat {

class HttpConnection;
class ReadinessLoop;
class TcpConnection;
struct NodeMetrics;

// A QTcpServer that hands over the descriptors it accepts instead of making a
// QTcpSocket of each: Qt's listen(), its error messages, backlog setting and
// accept loop stay; the connection is the node's own (TcpConnection).
class DescriptorServer : public QTcpServer
{
    Q_OBJECT
public:
    using QTcpServer::QTcpServer;

Q_SIGNALS:
    // A connection was accepted; the receiver owns `descriptor` (closes it).
    void descriptorAccepted(qintptr descriptor);

protected:
    void incomingConnection(qintptr descriptor) override;
};

// HTTP and WebSocket on one port. A DescriptorServer accepts; each
// connection is read as HTTP (HttpConnection on a TcpConnection) and either
// answered by the request handler or, for a WebSocket upgrade that passes the
// Host, Origin and capacity checks, answered 101 (WebSocketHandshake) and
// handed on as a WebSocket (webSocketConnected) with any bytes that followed
// the head.
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

    // Connections are watched on `loop`, which must outlive this server and
    // every connection it hands on.
    HttpServer(
        Settings settings, NodeMetrics &metrics, ReadinessLoop &loop, QObject *parent = nullptr);
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
    ReadinessLoop &readinessLoop() const { return m_loop; }
    // Sockets open now: accepted connections, upgraded ones included.
    int openSockets() const;

Q_SIGNALS:
    // A client completed the WebSocket opening handshake on GET /chat: the
    // 101 answer is queued on `connection`, whose buffered input holds what
    // the client sent after the head. The receiver takes ownership of it.
    void webSocketConnected(
        farmchat::TcpConnection *connection, const farmchat::HttpRequest &request);

private:
    void dispatch(HttpConnection *connection, quint64 serial, const HttpRequest &request);
    void countRefusal(int status);
    std::optional<HttpResponse> checkRequest(const HttpRequest &request) const;
    std::optional<HttpResponse> checkUpgrade(const HttpRequest &request) const;
    void upgrade(HttpConnection *connection, const HttpRequest &request);
    void onDescriptor(qintptr descriptor);
    bool isFull() const;
    bool closeIdleConnection();
    void reportFull(bool full);
    void finishResponse(HttpResponse &response, const HttpRequest &request) const;

    Settings m_settings;
    NodeMetrics &m_metrics;
    OriginPolicy m_policy;
    Handler m_handler;
    UpgradeGate m_gate;
    ReadinessLoop &m_loop;
    std::unique_ptr<DescriptorServer> m_tcp;
    int m_httpConnections = 0;
    bool m_full = false; // said so in the log; said again only after a recovery
};

} // namespace farmchat
