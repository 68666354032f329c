#pragma once

#include "server/framescanner.h"

#include <QByteArray>
#include <QObject>

class QTcpSocket;

namespace farmchat {

// Watches the raw bytes of one upgraded socket ahead of QWebSocket and raises
// unmaskedFrame() before QWebSocket reads a frame the client did not mask, so
// that frame is never acted on (RFC 6455 section 5.1; Qt 6.4 does not check).
// A child of the socket: it lives exactly as long as the connection.
//
// Every byte enters the socket buffer with a readyRead emission, and this
// guard's first slot runs before QWebSocket's, so it scans every byte first.
// It must therefore be created before QWebSocketServer::handleConnection()
// while the buffer still starts with the request head, and armed once the
// QWebSocket exists (its second slot then runs after QWebSocket's and records
// what QWebSocket left unread).
class UnmaskedFrameGuard : public QObject
{
    Q_OBJECT
public:
    UnmaskedFrameGuard(QTcpSocket *socket, qsizetype headerBytes);

    void arm();

Q_SIGNALS:
    // The buffered input has been discarded; close the connection with 1002.
    void unmaskedFrame();

private:
    void beforeQWebSocket();
    void afterQWebSocket();
    void dropInput();

    QTcpSocket *m_socket;
    QByteArray m_header; // the request head, until QWebSocketServer consumed it
    FrameScanner m_scanner;
    qint64 m_scanned = 0; // bytes at the front of the socket buffer already scanned
    bool m_armed = false;
    bool m_tripped = false;
    bool m_reported = false;
};

} // namespace farmchat
