#include "platform/filelimit.h"

namespace farmchat {

// Winsock sockets are handles, not CRT file descriptors: no ulimit applies.
int openFileLimit()
{
    return -1;
}

} // namespace farmchat
