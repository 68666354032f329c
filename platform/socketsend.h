#pragma once

#include <QtGlobal>

namespace farmchat {

// Writes what a connected, non-blocking TCP socket's kernel buffer takes
// right now, straight to its descriptor: one send() that never blocks and
// never raises SIGPIPE. Returns the bytes taken (0 when the buffer is full,
// on an error, or where the platform offers no such path); the caller hands
// the rest to QTcpSocket, which meets any error itself and reports it.
qint64 sendNow(qintptr descriptor, const char *data, qint64 size);

} // namespace farmchat
