#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <memory>
#include <vector>

class QTcpServer;
class QTcpSocket;

namespace farmchat::test {

// A TCP proxy on 127.0.0.1 for fault tests, put between a node and Redis:
// it forwards every connection to a target port, and on request stops
// forwarding without closing anything — what a dead NAT or a paused VM looks
// like to both ends (a half-open link) — then resumes (delivering what it
// held, in order) or cuts every connection. New connections made while paused
// are accepted and held too. Event-driven; runs on the test's event loop.
class TcpProxy : public QObject
{
    Q_OBJECT
public:
    explicit TcpProxy(quint16 targetPort, QObject *parent = nullptr);
    ~TcpProxy() override;

    bool listen(); // a free port on 127.0.0.1
    quint16 port() const;

    void pause(); // hold every byte, both ways, on every connection
    void resume(); // forward again, what was held first
    void cut(); // close every connection (both sides), keep listening
    bool isPaused() const { return m_paused; }
    int connectionCount() const;
    qint64 heldBytes() const; // waiting in the proxy while paused

private:
    struct Link
    {
        QPointer<QTcpSocket> client; // the node's side
        QPointer<QTcpSocket> upstream; // Redis' side
        QByteArray toUpstream; // client bytes read before upstream connected
    };

    void onNewConnection();
    void pump(Link &link);
    void close(Link &link);
    void prune();

    quint16 m_targetPort;
    std::unique_ptr<QTcpServer> m_server;
    std::vector<std::unique_ptr<Link>> m_links;
    bool m_paused = false;
};

} // namespace farmchat::test
