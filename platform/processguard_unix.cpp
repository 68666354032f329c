#include "platform/processguard.h"

#include <QProcess>

#include <unistd.h>

namespace farmchat {

// Other Unix systems have no parent-death signal; children get their own
// process group so the supervisor can stop them as a group.
struct ProcessGuard::Impl
{
};

ProcessGuard::ProcessGuard(QObject *parent) : QObject(parent), m_impl(std::make_unique<Impl>()) { }

ProcessGuard::~ProcessGuard() = default;

void ProcessGuard::prepare(QProcess &process)
{
    process.setChildProcessModifier([] { setpgid(0, 0); });
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
