#include "platform/portowner.h"

namespace farmchat {

// This platform offers no cheap, permission-free way to map a port to a
// process; callers name the port alone.
QString describePortOwner(quint16 port)
{
    Q_UNUSED(port);
    return {};
}

} // namespace farmchat
