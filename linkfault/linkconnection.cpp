#include "linkfault/linkconnection_p.h"

#include "platform/socketreset.h"

#include <QTcpSocket>

namespace farmchat {

namespace {

// Qt reads at most this much from the kernel per socket before the proxy
// takes it: the rest stays in TCP's window, which is what pushes back.
constexpr qint64 kReadBuffer = 256 * 1024;

bool isOpen(const QTcpSocket &socket)
{
    return socket.state() != QAbstractSocket::UnconnectedState;
}

} // namespace

LinkConnection::LinkConnection(std::unique_ptr<QTcpSocket> client, const QString &targetHost,
    quint16 targetPort, qint64 maxHeldBytes, LinkStats &stats, QObject *parent)
    : QObject(parent)
    , m_client(std::move(client))
    , m_upstream(std::make_unique<QTcpSocket>())
    , m_stats(stats)
{
    m_client->setParent(nullptr);
    // Bytes go on at once, as between the two ends without the proxy: with
    // Nagle on, a small reply waits for the peer's delayed ACK (up to 40 ms).
    m_client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_client->setReadBufferSize(kReadBuffer);
    m_upstream->setReadBufferSize(kReadBuffer);
    m_up = std::make_unique<LinkPipe>(
        m_client.get(), m_upstream.get(), maxHeldBytes, m_stats.bytesUp, nullptr);
    m_down = std::make_unique<LinkPipe>(
        m_upstream.get(), m_client.get(), maxHeldBytes, m_stats.bytesDown, nullptr);
    connect(m_upstream.get(), &QTcpSocket::connected, this, [this] {
        m_upstreamConnected = true;
        m_upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    });
    connect(m_upstream.get(), &QTcpSocket::errorOccurred, this, &LinkConnection::onUpstreamError);
    connect(m_client.get(), &QTcpSocket::errorOccurred, this, &LinkConnection::onClientError);
    // A side closed by its peer can take no more: what was going to it is dropped.
    connect(m_client.get(), &QTcpSocket::disconnected, this, [this] {
        m_down->dropAll();
        checkFinished();
    });
    connect(m_upstream.get(), &QTcpSocket::disconnected, this, [this] {
        m_up->dropAll();
        checkFinished();
    });
    connect(m_up.get(), &LinkPipe::drained, this, &LinkConnection::checkFinished);
    connect(m_down.get(), &LinkPipe::drained, this, &LinkConnection::checkFinished);
    m_upstream->connectToHost(targetHost, targetPort);
}

LinkConnection::~LinkConnection()
{
    // Pipes first: they watch the sockets.
    m_up.reset();
    m_down.reset();
    for (QTcpSocket *socket : {m_client.get(), m_upstream.get()}) {
        socket->disconnect();
        socket->abort();
    }
}

void LinkConnection::setFault(const LinkFault &fault)
{
    m_up->setFault(fault.up, fault.partitioned);
    m_down->setFault(fault.down, fault.partitioned);
}

void LinkConnection::abort(bool withReset)
{
    if (m_finished)
        return;
    m_up->dropAll();
    m_down->dropAll();
    for (QTcpSocket *socket : {m_client.get(), m_upstream.get()}) {
        socket->disconnect(this);
        socket->disconnect(m_up.get());
        socket->disconnect(m_down.get());
        if (withReset && socket->state() == QAbstractSocket::ConnectedState)
            setResetOnClose(socket->socketDescriptor());
        socket->abort();
    }
    finish();
}

qint64 LinkConnection::heldBytes() const
{
    return m_finished ? 0 : m_up->heldBytes() + m_down->heldBytes();
}

void LinkConnection::onUpstreamError()
{
    if (!m_upstreamConnected) {
        // The target refused (or could not be reached): the client sees a close.
        ++m_stats.refused;
        m_up->dropAll();
        m_down->dropAll();
        m_client->disconnect(this);
        m_client->disconnectFromHost();
        finish();
        return;
    }
    if (m_upstream->error() != QAbstractSocket::RemoteHostClosedError)
        abort(true); // a reset from the target travels on as a reset
}

void LinkConnection::onClientError()
{
    if (m_client->error() != QAbstractSocket::RemoteHostClosedError)
        abort(true);
}

void LinkConnection::checkFinished()
{
    if (m_finished)
        return;
    // A side whose peer closed is done once the close went on to the other.
    const bool clientDone = !isOpen(*m_client) && (m_up->closePassed() || !isOpen(*m_upstream));
    const bool upstreamDone = !isOpen(*m_upstream) && (m_down->closePassed() || !isOpen(*m_client));
    if (clientDone && upstreamDone)
        finish();
    else if (clientDone && !m_upstreamConnected && !isOpen(*m_upstream))
        finish();
}

void LinkConnection::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT finished();
}

} // namespace farmchat
