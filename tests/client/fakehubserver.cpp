#include "tests/client/fakehubserver.h"

#include "protocol/hubprotocol.h"

#include <QTcpSocket>
#include <QWebSocket>

namespace farmchat::test {

FakeHubServer::FakeHubServer()
    : m_ws(QStringLiteral("fake-hub"), QWebSocketServer::NonSecureMode)
    , m_negotiateBody(negotiateBody())
{
    connect(&m_tcp, &QTcpServer::newConnection, this, &FakeHubServer::onNewTcpConnection);
    connect(&m_ws, &QWebSocketServer::newConnection, this, &FakeHubServer::onWebSocket);
}

FakeHubServer::~FakeHubServer()
{
    for (Peer &peer : peers) {
        if (peer.socket)
            peer.socket->abort();
    }
}

bool FakeHubServer::listen(quint16 port)
{
    if (!m_tcp.listen(QHostAddress::LocalHost, port))
        return false;
    m_port = m_tcp.serverPort();
    return true;
}

void FakeHubServer::stopListening()
{
    m_tcp.close();
}

QUrl FakeHubServer::baseUrl() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_port);
    return url;
}

QUrl FakeHubServer::hubUrl() const
{
    QUrl url = baseUrl();
    url.setPath(QStringLiteral("/chat"));
    return url;
}

void FakeHubServer::setNegotiateResponse(int status, const QByteArray &body)
{
    m_negotiateStatus = status;
    m_negotiateBody = body;
}

QByteArray FakeHubServer::negotiateBody(int version, const QByteArray &transports)
{
    const QByteArray offered = transports.isEmpty()
        ? QByteArrayLiteral(R"([{"transport":"WebSockets","transferFormats":["Text","Binary"]}])")
        : transports;
    if (version == 0)
        return R"({"connectionId":"id-v0","availableTransports":)" + offered + '}';
    return R"({"negotiateVersion":1,"connectionId":"id-v1","connectionToken":"token-v1","availableTransports":)"
        + offered + '}';
}

FakeHubServer::Peer *FakeHubServer::lastPeer()
{
    return peers.isEmpty() ? nullptr : &peers.last();
}

int FakeHubServer::openConnections() const
{
    int open = 0;
    for (const Peer &peer : peers)
        open += peer.socket && peer.socket->state() == QAbstractSocket::ConnectedState ? 1 : 0;
    return open;
}

void FakeHubServer::onNewTcpConnection()
{
    while (QTcpSocket *socket = m_tcp.nextPendingConnection()) {
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onTcpReadyRead(socket); });
        if (socket->bytesAvailable())
            onTcpReadyRead(socket);
    }
}

// Peek until the request head is complete, then either answer negotiate or
// hand the untouched bytes to the WebSocket server.
void FakeHubServer::onTcpReadyRead(QTcpSocket *socket)
{
    const QByteArray head = socket->peek(64 * 1024);
    const qsizetype end = head.indexOf("\r\n\r\n");
    if (end < 0)
        return;
    if (!head.startsWith("POST ")) {
        socket->disconnect(this);
        m_ws.handleConnection(socket);
        return;
    }
    const QByteArray request = socket->readAll();
    negotiateRequests.append(request);
    const QByteArray reply = "HTTP/1.1 " + QByteArray::number(m_negotiateStatus) + " Status\r\n"
        + "Content-Type: application/json\r\nContent-Length: "
        + QByteArray::number(m_negotiateBody.size()) + "\r\nConnection: close\r\n\r\n"
        + m_negotiateBody;
    socket->write(reply);
    socket->disconnectFromHost();
}

void FakeHubServer::onWebSocket()
{
    while (QWebSocket *socket = m_ws.nextPendingConnection()) {
        socket->setParent(this);
        Peer peer;
        peer.socket = socket;
        peer.requestUrl = socket->requestUrl();
        peer.origin = socket->origin();
        const int index = int(peers.size());
        peers.append(peer);
        connect(socket, &QWebSocket::textMessageReceived, this,
            [this, index](const QString &text) { onText(index, text); });
        Q_EMIT peerConnected();
    }
}

void FakeHubServer::onText(int index, const QString &text)
{
    Peer &peer = peers[index];
    peer.pending += text.toUtf8();
    qsizetype separator;
    while ((separator = peer.pending.indexOf(hubprotocol::kRecordSeparator)) >= 0) {
        const QByteArray record = peer.pending.left(separator);
        peer.pending.remove(0, separator + 1);
        if (!peer.handshakeDone) {
            peer.handshakeDone = true;
            switch (handshake) {
            case Handshake::Accept:
                peer.socket->sendTextMessage(
                    QString::fromUtf8(hubprotocol::writeHandshakeResponse() + afterHandshake));
                break;
            case Handshake::Refuse:
                peer.socket->sendTextMessage(QString::fromUtf8(hubprotocol::writeHandshakeResponse(
                    {QStringLiteral("protocol 'json' v1 is not allowed here")})));
                break;
            case Handshake::Garbage:
                peer.socket->sendTextMessage(QStringLiteral("this is not json\x1e"));
                break;
            case Handshake::Silent:
                break;
            }
            rawRecords.append(record);
            continue;
        }
        rawRecords.append(record);
        const auto message = hubprotocol::parseMessage(record);
        if (!message)
            continue;
        received.append(message.value());
        Q_EMIT messageReceived(message.value());
        if (peers[index].socket.isNull())
            return;
        if (onMessage) {
            onMessage(peers[index], message.value());
        } else if (message->type == HubMessageType::Invocation
            && !message->invocationId.isEmpty()) {
            sendTo(peers[index], HubMessage::completion(message->invocationId));
        }
    }
}

void FakeHubServer::sendFrame(const QByteArray &frame)
{
    if (Peer *peer = lastPeer(); peer && peer->socket)
        peer->socket->sendTextMessage(QString::fromUtf8(frame));
}

void FakeHubServer::sendBinary(const QByteArray &frame)
{
    if (Peer *peer = lastPeer(); peer && peer->socket)
        peer->socket->sendBinaryMessage(frame);
}

void FakeHubServer::sendMessage(const HubMessage &message)
{
    sendFrame(hubprotocol::writeMessage(message));
}

void FakeHubServer::sendTo(Peer &peer, const HubMessage &message)
{
    if (peer.socket)
        peer.socket->sendTextMessage(QString::fromUtf8(hubprotocol::writeMessage(message)));
}

void FakeHubServer::abortAll()
{
    for (Peer &peer : peers) {
        if (peer.socket)
            peer.socket->abort();
    }
}

void FakeHubServer::closeAll(int code, const QString &reason)
{
    for (Peer &peer : peers) {
        if (peer.socket && peer.socket->state() == QAbstractSocket::ConnectedState)
            peer.socket->close(QWebSocketProtocol::CloseCode(code), reason);
    }
}

} // namespace farmchat::test
