#include "platform/processguard.h"
#include "platform/processguard_unix_p.h"

#include <QProcess>

#include <sys/stat.h>
#include <unistd.h>

namespace farmchat {

// Unix keeps no state: everything happens in the child before exec.
struct ProcessGuard::Impl
{
};

ProcessGuard::ProcessGuard(QObject *parent) : QObject(parent), m_impl(std::make_unique<Impl>()) { }

ProcessGuard::~ProcessGuard() = default;

void ProcessGuard::prepare(QProcess &process, Files files)
{
    // Runs in the child between fork and exec: only async-signal-safe calls.
    const pid_t parent = getpid();
    const bool privateFiles = files == Files::Private;
    process.setChildProcessModifier([parent, privateFiles] {
        if (privateFiles)
            umask(077);
        setpgid(0, 0);
        killWhenParentDies(parent);
        // The parent may have died before that took effect.
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
