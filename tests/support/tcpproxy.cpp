#include "tests/support/tcpproxy.h"

#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>

#include <algorithm>

namespace farmchat::test {

TcpProxy::TcpProxy(quint16 targetPort, QObject *parent)
    : QObject(parent), m_targetPort(targetPort), m_server(std::make_unique<QTcpServer>())
{
    connect(m_server.get(), &QTcpServer::newConnection, this, &TcpProxy::onNewConnection);
}

TcpProxy::~TcpProxy()
{
    cut();
}

bool TcpProxy::listen()
{
    return m_server->listen(QHostAddress::LocalHost, 0);
}

quint16 TcpProxy::port() const
{
    return m_server->serverPort();
}

void TcpProxy::onNewConnection()
{
    while (QTcpSocket *client = m_server->nextPendingConnection()) {
        client->setParent(this);
        auto link = std::make_unique<Link>();
        Link *raw = link.get();
        link->client = client;
        auto *upstream = new QTcpSocket(this);
        link->upstream = upstream;
        m_links.push_back(std::move(link));
        for (QTcpSocket *socket : {client, upstream}) {
            connect(socket, &QTcpSocket::readyRead, this, [this, raw] { pump(*raw); });
            connect(socket, &QTcpSocket::disconnected, this, [this, raw] { close(*raw); });
            connect(socket, &QTcpSocket::errorOccurred, this, [this, raw, socket] {
                // A refused or reset upstream ends the pair; the peer sees a close.
                if (socket->state() != QAbstractSocket::ConnectedState)
                    close(*raw);
            });
        }
        connect(upstream, &QTcpSocket::connected, this, [this, raw] { pump(*raw); });
        upstream->connectToHost(QHostAddress::LocalHost, m_targetPort);
    }
}

void TcpProxy::pump(Link &link)
{
    if (m_paused || !link.client || !link.upstream)
        return; // held in the sockets' read buffers until resume()
    link.toUpstream += link.client->readAll();
    if (link.upstream->state() == QAbstractSocket::ConnectedState && !link.toUpstream.isEmpty()) {
        link.upstream->write(link.toUpstream);
        link.toUpstream.clear();
    }
    if (link.upstream->state() == QAbstractSocket::ConnectedState)
        link.client->write(link.upstream->readAll());
}

void TcpProxy::close(Link &link)
{
    // Closes travel even while paused: only data is held. The peer that is
    // still open finishes writing, then closes.
    for (const QPointer<QTcpSocket> &socket : {link.client, link.upstream}) {
        if (!socket)
            continue;
        socket->disconnect(this);
        if (socket->state() == QAbstractSocket::ConnectedState && !m_paused)
            socket->disconnectFromHost();
        else
            socket->abort();
        socket->deleteLater();
    }
    link.client.clear();
    link.upstream.clear();
    // The Link itself may be inside one of its sockets' signals: pruned later.
    QMetaObject::invokeMethod(this, &TcpProxy::prune, Qt::QueuedConnection);
}

void TcpProxy::prune()
{
    m_links.erase(std::remove_if(m_links.begin(), m_links.end(),
                      [](const auto &link) { return !link->client && !link->upstream; }),
        m_links.end());
}

void TcpProxy::pause()
{
    m_paused = true;
}

void TcpProxy::resume()
{
    m_paused = false;
    for (const auto &link : m_links)
        pump(*link);
}

void TcpProxy::cut()
{
    const bool wasPaused = std::exchange(m_paused, true); // abort, don't flush
    for (const auto &link : m_links)
        close(*link);
    m_paused = wasPaused;
    prune();
}

int TcpProxy::connectionCount() const
{
    return int(std::count_if(m_links.cbegin(), m_links.cend(),
        [](const auto &link) { return link->client && link->upstream; }));
}

qint64 TcpProxy::heldBytes() const
{
    qint64 held = 0;
    for (const auto &link : m_links) {
        if (link->client)
            held += link->client->bytesAvailable() + link->toUpstream.size();
        if (link->upstream)
            held += link->upstream->bytesAvailable();
    }
    return held;
}

} // namespace farmchat::test
