#pragma once

#include <QString>

namespace farmchat {

// Who listens on a local TCP port, for error messages: "pid 1234 (redis-server)".
// Empty when the OS does not tell (another user's process, or no support).
QString describePortOwner(quint16 port);

} // namespace farmchat
