#include "platform/socketio.h"

#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace farmchat::socketio {

namespace {

#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL; // a peer gone is an error, not SIGPIPE
#else
constexpr int kSendFlags = 0; // macOS: SO_NOSIGPIPE is set on accept instead
#endif

bool wouldBlock(int error)
{
    return error == EAGAIN || error == EWOULDBLOCK;
}

} // namespace

bool prepareAccepted(qintptr descriptor)
{
    const int fd = int(descriptor);
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return false;
    ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
#ifdef SO_NOSIGPIPE
    ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
    return true;
}

qint64 receive(qintptr descriptor, char *buffer, qint64 size)
{
    ssize_t n;
    do {
        n = ::recv(int(descriptor), buffer, std::size_t(size), 0);
    } while (n < 0 && errno == EINTR);
    if (n >= 0)
        return qint64(n);
    return wouldBlock(errno) ? kWouldBlock : kFailed;
}

qint64 sendVector(qintptr descriptor, const QByteArrayView *chunks, int count)
{
    iovec vectors[kMaxChunks];
    const int used = count < kMaxChunks ? count : kMaxChunks;
    for (int i = 0; i < used; ++i) {
        vectors[i].iov_base = const_cast<char *>(chunks[i].data());
        vectors[i].iov_len = std::size_t(chunks[i].size());
    }
    msghdr message = {};
    message.msg_iov = vectors;
    message.msg_iovlen = decltype(message.msg_iovlen)(used);
    ssize_t n;
    do {
        n = ::sendmsg(int(descriptor), &message, kSendFlags);
    } while (n < 0 && errno == EINTR);
    if (n >= 0)
        return qint64(n);
    return wouldBlock(errno) ? kWouldBlock : kFailed;
}

void closeDescriptor(qintptr descriptor)
{
    if (descriptor >= 0)
        ::close(int(descriptor));
}

} // namespace farmchat::socketio
