#pragma once

#include "protocol/hubmessage.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QUrl>
#include <QWebSocketServer>

#include <functional>

class QTcpSocket;
class QWebSocket;

namespace farmchat::test {

// A scriptable SignalR server for client unit tests: one port on 127.0.0.1
// that answers POST .../negotiate itself and hands WebSocket upgrades to a
// QWebSocketServer, then plays the hub side of the JSON protocol as the test
// tells it (accept, refuse or garble the handshake; reply to invocations;
// send any frame; drop or close connections).
class FakeHubServer : public QObject
{
    Q_OBJECT
public:
    enum class Handshake { Accept, Refuse, Garbage, Silent };

    struct Peer
    {
        QPointer<QWebSocket> socket;
        QUrl requestUrl;
        QString origin;
        bool handshakeDone = false;
        QByteArray pending; // bytes of an unfinished record
    };

    FakeHubServer();
    ~FakeHubServer() override;

    // Listens on 127.0.0.1 (port 0: a free one). False when that failed.
    bool listen(quint16 port = 0);
    void stopListening();
    quint16 port() const { return m_port; }
    QUrl baseUrl() const;
    QUrl hubUrl() const; // http://127.0.0.1:PORT/chat

    // Negotiate: the status and body to answer; requests are recorded.
    void setNegotiateResponse(int status, const QByteArray &body);
    static QByteArray negotiateBody(int version = 1, const QByteArray &transports = {});
    QList<QByteArray> negotiateRequests;

    // Handshake behaviour for new connections, and records to append to the
    // handshake response in the same frame.
    Handshake handshake = Handshake::Accept;
    QByteArray afterHandshake;

    // Called for every record a client sends after its handshake. When unset,
    // invocations with an id get an empty Completion.
    std::function<void(Peer &peer, const HubMessage &message)> onMessage;

    QList<Peer> peers; // every WebSocket ever accepted, oldest first
    QList<HubMessage> received; // every parsed record from every client
    QList<QByteArray> rawRecords; // the same, unparsed
    int upgrades() const { return int(peers.size()); }
    Peer *lastPeer();
    int openConnections() const;

    // To the newest connection: a raw text frame, or one message as a record.
    void sendFrame(const QByteArray &frame);
    void sendMessage(const HubMessage &message);
    void sendBinary(const QByteArray &frame);
    void sendTo(Peer &peer, const HubMessage &message);
    void abortAll(); // TCP reset, no close frame
    void closeAll(int code = 1000, const QString &reason = {});

Q_SIGNALS:
    void peerConnected();
    void messageReceived(const farmchat::HubMessage &message);

private:
    void onNewTcpConnection();
    void onTcpReadyRead(QTcpSocket *socket);
    void onWebSocket();
    void onText(int index, const QString &text);

    QTcpServer m_tcp;
    QWebSocketServer m_ws;
    quint16 m_port = 0;
    int m_negotiateStatus = 200;
    QByteArray m_negotiateBody;
};

} // namespace farmchat::test
