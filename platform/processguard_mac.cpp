#include "platform/processguard_unix_p.h"

#include <csignal>
#include <sys/event.h>
#include <unistd.h>

namespace farmchat {

// macOS has no PR_SET_PDEATHSIG. The child forks a tiny watcher that blocks on
// kqueue for the parent's exit (EVFILT_PROC NOTE_EXIT) and then kills the
// child's process group. The watcher shares the group, so it dies with it.
void killWhenParentDies(pid_t parent)
{
    const pid_t group = getpid();
    if (fork() != 0)
        return;
    const int kq = kqueue();
    struct kevent change;
    EV_SET(&change, parent, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, nullptr);
    struct kevent event;
    if (kq >= 0 && kevent(kq, &change, 1, &event, 1, nullptr) >= 0)
        kill(-group, SIGKILL);
    else if (getppid() != parent)
        kill(-group, SIGKILL);
    _exit(0);
}

} // namespace farmchat
