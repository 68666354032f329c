#include "platform/socketreset.h"

#include <winsock2.h>

namespace farmchat {

bool setResetOnClose(qintptr descriptor)
{
    if (descriptor < 0)
        return false;
    LINGER option = {};
    option.l_onoff = 1;
    option.l_linger = 0;
    return ::setsockopt(SOCKET(descriptor), SOL_SOCKET, SO_LINGER,
               reinterpret_cast<const char *>(&option), int(sizeof option))
        == 0;
}

} // namespace farmchat
