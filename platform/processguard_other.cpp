#include "platform/processguard_unix_p.h"

namespace farmchat {

// This Unix has no parent-death signal: the child's own process group, which
// the supervisor stops as a whole, is all the guard there is.
void killWhenParentDies(pid_t) { }

} // namespace farmchat
