#include "platform/filelimit.h"

#include <climits>
#include <sys/resource.h>

namespace farmchat {

int openFileLimit()
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY
        || limit.rlim_cur > rlim_t(INT_MAX))
        return -1;
    return int(limit.rlim_cur);
}

} // namespace farmchat
