#include "platform/processguard.h"

#include <QProcess>

#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>

namespace farmchat {

struct ProcessGuard::Impl
{
};

ProcessGuard::ProcessGuard(QObject *parent) : QObject(parent), m_impl(std::make_unique<Impl>()) { }

ProcessGuard::~ProcessGuard() = default;

void ProcessGuard::prepare(QProcess &process)
{
    // Runs in the child between fork and exec: only async-signal-safe calls.
    const pid_t parent = getpid();
    process.setChildProcessModifier([parent] {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        // The parent may have died before prctl took effect.
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
