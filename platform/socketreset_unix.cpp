#include "platform/socketreset.h"

#include <sys/socket.h>

namespace farmchat {

bool setResetOnClose(qintptr descriptor)
{
    if (descriptor < 0)
        return false;
    struct linger option = {};
    option.l_onoff = 1;
    option.l_linger = 0;
    return ::setsockopt(int(descriptor), SOL_SOCKET, SO_LINGER, &option, sizeof option) == 0;
}

} // namespace farmchat
