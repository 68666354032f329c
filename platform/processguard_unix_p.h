#pragma once

#include <sys/types.h>

namespace farmchat {

// The one part of ProcessGuard that differs between Unix systems. Runs in the
// child between fork and exec, so only async-signal-safe calls: arranges for
// the child to die when `parent` does. Linux: PR_SET_PDEATHSIG
// (processguard_linux.cpp); macOS: a kqueue watcher (processguard_mac.cpp);
// other Unix systems have neither (processguard_other.cpp).
void killWhenParentDies(pid_t parent);

} // namespace farmchat
