#pragma once

#include <QtGlobal>

namespace farmchat {

// Makes the next close of a connected TCP socket send a reset (RST) instead
// of a FIN: SO_LINGER on with a zero timeout. The link-fault proxy uses it to
// cut connections the way a NAT or firewall dropping its state does. Returns
// false, with nothing changed, when the option could not be set.
bool setResetOnClose(qintptr descriptor);

} // namespace farmchat
