#pragma once

#include <QtGlobal>

namespace farmchat::test {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, close).
quint16 findFreePort();

} // namespace farmchat::test
