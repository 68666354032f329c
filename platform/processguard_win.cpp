#include "platform/processguard.h"

#include <QProcess>

#include <windows.h>

namespace farmchat {

// A Job Object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: when the supervisor
// exits for any reason its handle closes and Windows ends every child.
struct ProcessGuard::Impl
{
    HANDLE job = nullptr;
};

ProcessGuard::ProcessGuard(QObject *parent) : QObject(parent), m_impl(std::make_unique<Impl>())
{
    m_impl->job = CreateJobObjectW(nullptr, nullptr);
    if (m_impl->job) {
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION info {};
        info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        SetInformationJobObject(m_impl->job, JobObjectExtendedLimitInformation, &info, sizeof info);
    }
}

ProcessGuard::~ProcessGuard()
{
    if (m_impl->job)
        CloseHandle(m_impl->job);
}

void ProcessGuard::prepare(QProcess &process, Files files)
{
    Q_UNUSED(files); // no umask: files inherit the ACL of the private temp dir

    process.setCreateProcessArgumentsModifier(
        [](QProcess::CreateProcessArguments *args) { args->flags |= CREATE_NEW_PROCESS_GROUP; });
}

void ProcessGuard::adopt(QProcess &process)
{
    if (!m_impl->job)
        return;
    const HANDLE child
        = OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE, FALSE, DWORD(process.processId()));
    if (child) {
        AssignProcessToJobObject(m_impl->job, child);
        CloseHandle(child);
    }
}

void ProcessGuard::requestStop(QProcess &process)
{
    if (!GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, DWORD(process.processId())))
        process.terminate();
}

} // namespace farmchat
