#pragma once

#include <QByteArrayView>
#include <QtGlobal>

namespace farmchat::socketio {

// The system calls of the node's own connection layer (server/tcpconnection_p.h)
// on one accepted TCP socket, one source file per platform. Descriptors are
// the platform's socket handles (an int on POSIX, a SOCKET on Windows).

// What receive() and sendVector() return besides a byte count.
inline constexpr qint64 kWouldBlock = -1; // nothing now; wait for readiness
inline constexpr qint64 kFailed = -2; // the connection is gone (reset, broken pipe)

// Makes an accepted socket non-blocking and turns Nagle's algorithm off
// (TCP_NODELAY): hub records are small writes in quick succession. False
// when the socket could not be made non-blocking.
bool prepareAccepted(qintptr descriptor);

// Reads at most `size` bytes: > 0 bytes read, 0 when the peer closed,
// kWouldBlock or kFailed. Retries on EINTR.
qint64 receive(qintptr descriptor, char *buffer, qint64 size);

// Writes `chunks` in order with one vectored call (writev/sendmsg, never
// SIGPIPE; at most kMaxChunks of them): the bytes the kernel took, which may
// end inside a chunk, or kWouldBlock or kFailed.
inline constexpr int kMaxChunks = 64;
qint64 sendVector(qintptr descriptor, const QByteArrayView *chunks, int count);

// Closes the descriptor (after the caller stopped watching it).
void closeDescriptor(qintptr descriptor);

} // namespace farmchat::socketio
