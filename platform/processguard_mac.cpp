#include "platform/processguard.h"

#include <QProcess>

#include <csignal>
#include <fcntl.h>
#include <sys/event.h>
#include <unistd.h>

namespace farmchat {

// macOS has no PR_SET_PDEATHSIG. Between fork and exec the child forks a tiny
// watcher that blocks on kqueue for the parent's exit (EVFILT_PROC NOTE_EXIT)
// and then kills the child's process group. The watcher shares the group, so
// it dies with it.
struct ProcessGuard::Impl
{
};

ProcessGuard::ProcessGuard(QObject *parent) : QObject(parent), m_impl(std::make_unique<Impl>()) { }

ProcessGuard::~ProcessGuard() = default;

void ProcessGuard::prepare(QProcess &process)
{
    const pid_t parent = getpid();
    process.setChildProcessModifier([parent] {
        setpgid(0, 0);
        const pid_t group = getpid();
        if (fork() == 0) {
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
        if (getppid() != parent)
            _exit(1);
    });
}

void ProcessGuard::adopt(QProcess &process)
{
    Q_UNUSED(process);
}

void ProcessGuard::requestStop(QProcess &process)
{
    process.terminate();
}

} // namespace farmchat
