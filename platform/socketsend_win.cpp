#include "platform/socketsend.h"

namespace farmchat {

// Winsock reports write readiness (FD_WRITE) once, re-armed by the send that
// would block: a send() behind Qt's back could leave QTcpSocket waiting for a
// notification that never comes. There QTcpSocket writes everything.
qint64 sendNow(qintptr descriptor, const char *data, qint64 size)
{
    Q_UNUSED(descriptor);
    Q_UNUSED(data);
    Q_UNUSED(size);
    return 0;
}

} // namespace farmchat
