#include "platform/socketsend.h"

#include <cerrno>
#include <sys/socket.h>
#include <sys/types.h>

namespace farmchat {

namespace {

#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL; // a peer gone is an error, not SIGPIPE
#else
// macOS: Qt's first socket write (the node's 101 answer) has already set
// SIGPIPE to ignored (qt_safe_write_nosignal).
constexpr int kSendFlags = 0;
#endif

} // namespace

qint64 sendNow(qintptr descriptor, const char *data, qint64 size)
{
    if (descriptor < 0 || size <= 0)
        return 0;
    ssize_t n;
    do {
        n = ::send(int(descriptor), data, std::size_t(size), kSendFlags);
    } while (n < 0 && errno == EINTR);
    return n > 0 ? qint64(n) : 0;
}

} // namespace farmchat
