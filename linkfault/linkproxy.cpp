#include "linkfault/linkproxy.h"

#include "linkfault/linkconnection_p.h"

#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>

#include <algorithm>

namespace farmchat {

LinkProxy::LinkProxy(QString targetHost, quint16 targetPort, QObject *parent)
    : QObject(parent)
    , m_targetHost(std::move(targetHost))
    , m_targetPort(targetPort)
    , m_server(std::make_unique<QTcpServer>())
{
    connect(m_server.get(), &QTcpServer::newConnection, this, &LinkProxy::onNewConnection);
}

LinkProxy::~LinkProxy()
{
    m_server->close();
    const std::vector<LinkConnection *> connections = std::exchange(m_connections, {});
    for (LinkConnection *connection : connections) {
        connection->disconnect(this);
        connection->abort(false);
    }
    // The connections are children: QObject deletes them after this.
}

Result<void> LinkProxy::listen(quint16 port)
{
    if (m_server->listen(QHostAddress::LocalHost, port))
        return {};
    return Result<void>::failure(QStringLiteral("the link proxy cannot listen on 127.0.0.1:%1: %2")
                                     .arg(port)
                                     .arg(m_server->errorString()));
}

quint16 LinkProxy::port() const
{
    return m_server->serverPort();
}

void LinkProxy::setFault(const LinkFault &fault)
{
    if (fault == m_fault)
        return;
    m_fault = fault;
    for (LinkConnection *connection : m_connections)
        connection->setFault(m_fault);
    Q_EMIT faultChanged(m_fault);
}

void LinkProxy::reset()
{
    // abort() ends each connection at once, which takes it off the list.
    const std::vector<LinkConnection *> connections = m_connections;
    for (LinkConnection *connection : connections) {
        ++m_stats.resets;
        connection->abort(true);
    }
}

int LinkProxy::connectionCount() const
{
    return int(m_connections.size());
}

qint64 LinkProxy::heldBytes() const
{
    qint64 held = 0;
    for (const LinkConnection *connection : m_connections)
        held += connection->heldBytes();
    return held;
}

LinkStats LinkProxy::stats() const
{
    return m_stats;
}

void LinkProxy::onNewConnection()
{
    while (QTcpSocket *client = m_server->nextPendingConnection())
        accept(std::unique_ptr<QTcpSocket>(client));
}

void LinkProxy::accept(std::unique_ptr<QTcpSocket> client)
{
    client->setParent(nullptr); // owned here, then by its connection
    if (m_fault.refuseNew) {
        ++m_stats.refused;
        client->abort();
        return;
    }
    ++m_stats.accepted;
    auto *connection = new LinkConnection(
        std::move(client), m_targetHost, m_targetPort, kMaxHeldBytes, m_stats, this);
    m_connections.push_back(connection);
    connect(connection, &LinkConnection::finished, this,
        [this, connection] { onFinished(connection); });
    connection->setFault(m_fault);
    Q_EMIT connectionCountChanged(connectionCount());
}

void LinkProxy::onFinished(LinkConnection *connection)
{
    const auto it = std::find(m_connections.begin(), m_connections.end(), connection);
    if (it == m_connections.end())
        return;
    m_connections.erase(it);
    // It may be inside one of its sockets' signals.
    connection->deleteLater();
    Q_EMIT connectionCountChanged(connectionCount());
}

} // namespace farmchat
