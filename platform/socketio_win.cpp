#include "platform/socketio.h"

#include <winsock2.h>

namespace farmchat::socketio {

// Winsock: ioctlsocket(FIONBIO), recv() and WSASend() with a buffer array.
// Builds, but the node's connection layer is unverified on Windows, where the
// ReadinessLoop fallback sits on Qt's WSAAsyncSelect notifiers.

namespace {

bool wouldBlock()
{
    return ::WSAGetLastError() == WSAEWOULDBLOCK;
}

} // namespace

bool prepareAccepted(qintptr descriptor)
{
    u_long nonBlocking = 1;
    if (::ioctlsocket(SOCKET(descriptor), FIONBIO, &nonBlocking) != 0)
        return false;
    const BOOL on = TRUE;
    ::setsockopt(SOCKET(descriptor), IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char *>(&on),
        int(sizeof on));
    return true;
}

qint64 receive(qintptr descriptor, char *buffer, qint64 size)
{
    const int n = ::recv(SOCKET(descriptor), buffer, int(qMin<qint64>(size, 1 << 30)), 0);
    if (n >= 0)
        return qint64(n);
    return wouldBlock() ? kWouldBlock : kFailed;
}

qint64 sendVector(qintptr descriptor, const QByteArrayView *chunks, int count)
{
    WSABUF buffers[kMaxChunks];
    const int used = count < kMaxChunks ? count : kMaxChunks;
    for (int i = 0; i < used; ++i) {
        buffers[i].buf = const_cast<char *>(chunks[i].data());
        buffers[i].len = ULONG(chunks[i].size());
    }
    DWORD sent = 0;
    if (::WSASend(SOCKET(descriptor), buffers, DWORD(used), &sent, 0, nullptr, nullptr) == 0)
        return qint64(sent);
    return wouldBlock() ? kWouldBlock : kFailed;
}

void closeDescriptor(qintptr descriptor)
{
    if (descriptor >= 0)
        ::closesocket(SOCKET(descriptor));
}

} // namespace farmchat::socketio
