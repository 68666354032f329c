#pragma once

#include <QByteArray>
#include <QByteArrayView>

class QTcpSocket;

namespace farmchat::framewriter {

// Server-to-client WebSocket text frames, written by the node itself.
//
// QWebSocket has no "send these UTF-8 bytes as text" call: sendTextMessage()
// takes a QString, converts it to UTF-8 again for every recipient, and writes
// header and payload as two buffered writes, which Qt then sends one write()
// and two notifier toggles at a time. The node encodes a messageReceived
// record once and sends each client everything it has for it in one frame,
// so it writes these frames itself to the TCP socket under the QWebSocket
// (the object QWebSocket writes its own frames to), only while that
// WebSocket is open and before any close frame. Server frames are never
// masked (RFC 6455 section 5.1) and always whole (FIN set), so QWebSocket's
// own control frames (Pong, Close) can only fall between them.

// The largest payload a batch of records is put in: batching never makes a
// frame larger than this unless one record alone is, so a client that takes
// the node's largest record takes every frame.
inline constexpr qsizetype kMaxBatchFramePayload = 16 * 1024;

// WebSocket opcodes the node sends (RFC 6455 section 5.2).
inline constexpr quint8 kText = 0x1;
inline constexpr quint8 kClose = 0x8;
inline constexpr quint8 kPong = 0xA;

// Appends the header of one unmasked final frame (RFC 6455 section 5.2):
// 2 bytes up to 125 bytes of payload, 4 up to 65,535, else 10.
void appendFrameHeader(QByteArray &out, quint8 opcode, quint64 payloadBytes);
inline void appendTextFrameHeader(QByteArray &out, quint64 payloadBytes)
{
    appendFrameHeader(out, kText, payloadBytes);
}

// A whole Close frame (5.5.1): `code` and `reason` (UTF-8, cut to the 123
// bytes a control frame has room for, at a character boundary); no body for
// 1005 (no status), which is never sent on the wire.
QByteArray closeFrame(quint16 code, QByteArrayView reason);
// A whole Pong frame answering a Ping with `payload` (5.5.3).
QByteArray pongFrame(QByteArrayView payload);

// Appends `records` (whole hub records, each ending with 0x1E) as text
// frames of at most `maxPayload` bytes each, cut only at record ends.
void appendTextFrames(QByteArray &out, QByteArrayView records, qsizetype maxPayload);

// Writes `bytes` to `socket` after whatever it still holds. When Qt holds
// nothing unsent (the usual case) they go straight to the descriptor in one
// send() (platform/socketsend.h); what the kernel does not take, and
// everything on platforms without that path, is handed to QTcpSocket::write(),
// which sends it when the socket can take more and counts it in
// bytesToWrite() (the send-queue limit). True when the kernel took it all.
bool write(QTcpSocket &socket, QByteArrayView bytes);

} // namespace farmchat::framewriter
