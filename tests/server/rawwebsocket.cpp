#include "tests/server/rawwebsocket.h"

#include <QElapsedTimer>
#include <QHostAddress>

namespace farmchat::test {

QByteArray RawWebSocket::upgradeRequest(quint16 port, const QByteArray &extraHeaders)
{
    return "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port)
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + extraHeaders + "\r\n";
}

QByteArray clientFrame(
    uchar head, QByteArray payload, bool masked, int lengthForm, qint64 declaredLength)
{
    const quint64 n = declaredLength < 0 ? quint64(payload.size()) : quint64(declaredLength);
    QByteArray f;
    f.append(char(head));
    const uchar mask = masked ? 0x80 : 0;
    if (n < 126 && lengthForm == 0) {
        f.append(char(mask | n));
    } else if (n <= 0xffff && lengthForm != 127) {
        f.append(char(mask | 126));
        f.append(char(n >> 8));
        f.append(char(n & 0xff));
    } else {
        f.append(char(mask | 127));
        for (int i = 7; i >= 0; --i)
            f.append(char((n >> (8 * i)) & 0xff));
    }
    if (masked) {
        const char key[4] = {0x12, 0x34, 0x56, 0x78};
        f.append(key, 4);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = char(payload[i] ^ key[i % 4]);
    }
    return f + payload;
}

QByteArray RawWebSocket::frame(
    quint8 opcode, const QByteArray &payload, bool masked, qint64 declaredLength)
{
    return clientFrame(uchar(0x80 | opcode), payload, masked, 0, declaredLength);
}

bool RawWebSocket::open(
    quint16 port, const QByteArray &extraHeaders, const QByteArray &trailing, int timeoutMs)
{
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    if (!m_socket.waitForConnected(timeoutMs))
        return false;
    m_socket.write(upgradeRequest(port, extraHeaders) + trailing);
    QElapsedTimer clock;
    clock.start();
    while (!m_buffer.contains("\r\n\r\n") && clock.elapsed() < timeoutMs) {
        if (m_socket.bytesAvailable() == 0
            && !m_socket.waitForReadyRead(int(qMax<qint64>(1, timeoutMs - clock.elapsed()))))
            break;
        m_buffer += m_socket.readAll();
    }
    const qsizetype end = m_buffer.indexOf("\r\n\r\n");
    if (end < 0) {
        m_head = m_buffer;
        return false;
    }
    m_head = m_buffer.left(end + 4);
    m_buffer.remove(0, end + 4);
    return m_head.startsWith("HTTP/1.1 101");
}

void RawWebSocket::send(const QByteArray &bytes)
{
    m_socket.write(bytes);
    m_socket.waitForBytesWritten(1000);
}

bool RawWebSocket::openHub(quint16 port, int timeoutMs)
{
    if (!open(port, {}, {}, timeoutMs))
        return false;
    sendText("{\"protocol\":\"json\",\"version\":1}\x1e");
    return waitForText("{}\x1e", timeoutMs);
}

bool RawWebSocket::readFrames()
{
    m_buffer += m_socket.readAll();
    while (m_buffer.size() >= 2) {
        const quint8 opcode = quint8(m_buffer[0]) & 0x0f;
        quint64 length = quint8(m_buffer[1]) & 0x7f;
        qsizetype offset = 2;
        if (length == 126) {
            if (m_buffer.size() < 4)
                return false;
            length = (quint64(quint8(m_buffer[2])) << 8) | quint8(m_buffer[3]);
            offset = 4;
        } else if (length == 127) {
            if (m_buffer.size() < 10)
                return false;
            length = 0;
            for (int i = 0; i < 8; ++i)
                length = (length << 8) | quint8(m_buffer[2 + i]);
            offset = 10;
        }
        if (quint64(m_buffer.size() - offset) < length)
            return false;
        Frame f {opcode, m_buffer.mid(offset, qsizetype(length))};
        m_buffer.remove(0, offset + qsizetype(length));
        if (opcode == 0x8) {
            m_closeCode
                = f.payload.size() >= 2 ? (quint8(f.payload[0]) << 8) | quint8(f.payload[1]) : 1005;
            m_closeReason = f.payload.mid(2);
        }
        m_frames.append(f);
    }
    return true;
}

int RawWebSocket::waitForClose(int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (m_closeCode < 0 && clock.elapsed() < timeoutMs) {
        readFrames();
        if (m_closeCode >= 0)
            break;
        if (!m_socket.waitForReadyRead(
                int(qMax<qint64>(1, qMin<qint64>(100, timeoutMs - clock.elapsed()))))
            && peerClosed())
            break;
    }
    readFrames();
    return m_closeCode;
}

bool RawWebSocket::waitForText(const QByteArray &part, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        readFrames();
        if (textReceived().contains(part))
            return true;
        if (!m_socket.waitForReadyRead(50) && peerClosed())
            break;
    }
    readFrames();
    return textReceived().contains(part);
}

QByteArray RawWebSocket::textReceived() const
{
    QByteArray text;
    for (const Frame &f : m_frames) {
        if (f.opcode == 0x1 || f.opcode == 0x0)
            text += f.payload;
    }
    return text;
}

} // namespace farmchat::test
