#pragma once

#include <QByteArray>
#include <QList>
#include <QTcpSocket>

namespace farmchat::test {

// A client-to-server WebSocket frame as a test writes it (RFC 6455 5.2):
// `head` is the first byte (FIN, RSV bits, opcode); masked with a fixed key
// unless asked otherwise; `lengthForm` 126 or 127 forces that length
// encoding for a payload a shorter one fits; `declaredLength` >= 0 declares
// another length than the payload's.
QByteArray clientFrame(uchar head, QByteArray payload, bool masked = true, int lengthForm = 0,
    qint64 declaredLength = -1);

// A WebSocket client written by hand on a QTcpSocket, for feeding a real node
// what no well-behaved library would send: unmasked frames, invalid UTF-8,
// lying lengths. Blocking with bounded waits (test code, out-of-process node).
class RawWebSocket
{
public:
    struct Frame
    {
        quint8 opcode = 0;
        QByteArray payload;
    };

    static QByteArray upgradeRequest(quint16 port, const QByteArray &extraHeaders = {});
    // A client frame; masked unless asked otherwise. `declaredLength` < 0: the real length.
    static QByteArray frame(
        quint8 opcode, const QByteArray &payload, bool masked = true, qint64 declaredLength = -1);

    // Connects and sends the upgrade request (plus `trailing` bytes in the same
    // write); true when the answer is 101.
    bool open(quint16 port, const QByteArray &extraHeaders = {}, const QByteArray &trailing = {},
        int timeoutMs = 3000);
    QByteArray responseHead() const { return m_head; }

    void send(const QByteArray &bytes);
    void sendText(const QByteArray &utf8) { send(frame(0x1, utf8)); }
    // open() + the json/1 hub handshake; true when the node answered "{}".
    bool openHub(quint16 port, int timeoutMs = 3000);

    // Reads server frames until a close frame arrives, the peer hangs up or
    // timeoutMs passes. Returns the close code, or -1 without a close frame.
    int waitForClose(int timeoutMs = 3000);
    // Reads frames until the text received so far contains `part`.
    bool waitForText(const QByteArray &part, int timeoutMs = 3000);
    const QList<Frame> &frames() const { return m_frames; }
    QByteArray closeReason() const { return m_closeReason; }
    QByteArray textReceived() const; // all text payloads, concatenated
    bool peerClosed() const { return m_socket.state() == QAbstractSocket::UnconnectedState; }

    QTcpSocket &socket() { return m_socket; }

private:
    bool readFrames();

    QTcpSocket m_socket;
    QByteArray m_head;
    QByteArray m_buffer;
    QList<Frame> m_frames;
    QByteArray m_closeReason;
    int m_closeCode = -1;
};

} // namespace farmchat::test
