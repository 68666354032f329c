#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace farmchat::framewriter {

// Server-to-client WebSocket frames, written by the node itself.
//
// The node encodes a messageReceived record once and sends each client
// everything it has for it in as few frames as it can: HubSession queues a
// header from here followed by the records' shared bytes on its
// TcpConnection, and its Pong and Close frames come from here too. Server
// frames are never masked (RFC 6455 section 5.1) and always whole (FIN set),
// so control frames can only fall between them.

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

} // namespace farmchat::framewriter
