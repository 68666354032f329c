#include "server/unmaskedframeguard_p.h"

#include <QTcpSocket>

namespace farmchat {

UnmaskedFrameGuard::UnmaskedFrameGuard(QTcpSocket *socket, qsizetype headerBytes)
    : QObject(socket), m_socket(socket), m_header(socket->peek(headerBytes)), m_scanned(headerBytes)
{
    connect(m_socket, &QTcpSocket::readyRead, this, &UnmaskedFrameGuard::beforeQWebSocket);
}

void UnmaskedFrameGuard::arm()
{
    if (m_armed)
        return;
    m_armed = true;
    m_header.clear();
    // Whatever is buffered now went through beforeQWebSocket() already.
    m_scanned = m_socket->bytesAvailable();
    connect(m_socket, &QTcpSocket::readyRead, this, &UnmaskedFrameGuard::afterQWebSocket);
    if (m_tripped)
        dropInput();
}

void UnmaskedFrameGuard::beforeQWebSocket()
{
    const qint64 available = m_socket->bytesAvailable();
    if (!m_header.isEmpty() && !m_socket->peek(m_header.size()).startsWith(m_header)) {
        // QWebSocketServer consumed the head; what follows it is frames.
        m_scanned = qMax<qint64>(0, m_scanned - m_header.size());
        m_header.clear();
    }
    if (!m_tripped) {
        qint64 start = qMax<qint64>(m_scanned, m_header.size());
        // Payload bytes need no look; only copy the buffer when a frame head is in it.
        const qint64 payload = qMin<qint64>(
            qMax<qint64>(0, available - start), qint64(m_scanner.payloadRemaining()));
        m_scanner.skipPayload(quint64(payload));
        start += payload;
        if (start < available) {
            const QByteArray buffered = m_socket->peek(available);
            if (m_scanner.feed(QByteArrayView(buffered).sliced(qsizetype(start)))
                == FrameScanner::Verdict::Unmasked)
                m_tripped = true;
        }
        m_scanned = available;
    }
    // Frames can only be dropped once the head is gone, or the upgrade breaks.
    if (m_tripped && m_header.isEmpty())
        dropInput();
}

void UnmaskedFrameGuard::afterQWebSocket()
{
    if (!m_tripped)
        m_scanned = m_socket->bytesAvailable();
}

void UnmaskedFrameGuard::dropInput()
{
    m_socket->skip(m_socket->bytesAvailable());
    m_scanned = 0;
    if (m_armed && !m_reported) {
        m_reported = true;
        Q_EMIT unmaskedFrame();
    }
}

} // namespace farmchat
