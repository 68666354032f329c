#pragma once

#include "core/result.h"
#include "linkfault/linkfault.h"

#include <QObject>
#include <QString>

#include <memory>
#include <vector>

class QTcpServer;
class QTcpSocket;

namespace farmchat {

class LinkConnection;

// A loopback TCP proxy for one link: listens on 127.0.0.1, forwards each
// connection to the target, and applies the current LinkFault to every open
// and future connection. Runs on the thread it lives in, driven by its event
// loop (no thread of its own, no blocking calls). Memory is bounded: each
// direction of each connection holds at most kMaxHeldBytes in the proxy;
// beyond that it stops reading (socket read buffers capped too), so a slow or
// partitioned link pushes back on the sender instead of growing.
class LinkProxy : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kMaxHeldBytes = 4 * 1024 * 1024;

    LinkProxy(QString targetHost, quint16 targetPort, QObject *parent = nullptr);
    ~LinkProxy() override; // closes every connection

    // 127.0.0.1 on `port`, or a free port when 0; the error names the port.
    Result<void> listen(quint16 port = 0);
    quint16 port() const;
    quint16 targetPort() const { return m_targetPort; }

    LinkFault fault() const { return m_fault; }
    // Applies at once to open connections: a latency change delays what is
    // read from now on, a partition holds bytes already queued, healing
    // releases them.
    void setFault(const LinkFault &fault);
    void heal() { setFault(LinkFault {}); }
    // Cuts every open connection both ways with a TCP reset (what a NAT or
    // firewall dropping its state looks like); the proxy keeps listening.
    void reset();

    int connectionCount() const;
    qint64 heldBytes() const; // in the proxy now, both directions, all connections
    LinkStats stats() const;

Q_SIGNALS:
    void faultChanged(const farmchat::LinkFault &fault);
    void connectionCountChanged(int count);

private:
    void onNewConnection();
    void accept(std::unique_ptr<QTcpSocket> client);
    void onFinished(LinkConnection *connection);

    QString m_targetHost;
    quint16 m_targetPort;
    std::unique_ptr<QTcpServer> m_server;
    LinkFault m_fault;
    LinkStats m_stats;
    std::vector<LinkConnection *> m_connections; // children of this proxy
};

} // namespace farmchat
