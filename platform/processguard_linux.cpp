#include "platform/processguard_unix_p.h"

#include <csignal>
#include <sys/prctl.h>

namespace farmchat {

void killWhenParentDies(pid_t)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

} // namespace farmchat
