#include "launcher/crashrestarter_p.h"

#include "launcher/managedprocess.h"

namespace farmchat {

CrashRestarter::CrashRestarter(Restart restart, qint64 stableRunMs, QObject *parent)
    : QObject(parent), m_restart(std::move(restart)), m_stableRunMs(stableRunMs)
{ }

CrashRestarter::~CrashRestarter() = default;

void CrashRestarter::processEnded(ManagedProcess *process)
{
    if (m_userKilled.count(process) || process->state() == ProcessState::Stopped)
        return;
    const qint64 uptime = process->startedAt().msecsTo(QDateTime::currentDateTime());
    int &crashes = m_crashesInARow[process];
    if (uptime >= m_stableRunMs)
        crashes = 0;
    if (!kBackoff.allowsRetry(crashes)) {
        if (const auto it = m_timers.find(process); it != m_timers.end())
            it->second->stop();
        Q_EMIT gaveUp(process,
            QStringLiteral("%1 keeps crashing (%2 times in a row); not restarting it: %3")
                .arg(process->name())
                .arg(kBackoff.maxRetries)
                .arg(process->exitReason()));
        return;
    }
    const int delay = kBackoff.delayMs(crashes++);
    auto &timer = m_timers[process];
    if (!timer) {
        timer = std::make_unique<QTimer>();
        timer->setSingleShot(true);
        connect(timer.get(), &QTimer::timeout, this, [this, process] {
            if (!isLive(process->state()) && !m_userKilled.count(process))
                m_restart(process);
        });
    }
    timer->start(delay);
    Q_EMIT restartScheduled(process, delay, process->exitReason());
}

void CrashRestarter::userKilled(ManagedProcess *process)
{
    userTookOver(process);
    m_userKilled.insert(process);
}

void CrashRestarter::userTookOver(ManagedProcess *process)
{
    if (const auto it = m_timers.find(process); it != m_timers.end())
        it->second->stop();
    m_crashesInARow.erase(process);
    m_userKilled.erase(process);
}

void CrashRestarter::cancelAll()
{
    for (auto &[process, timer] : m_timers)
        timer->stop();
}

void CrashRestarter::forget(const ManagedProcess *process)
{
    m_timers.erase(process);
    m_crashesInARow.erase(process);
    m_userKilled.erase(process);
}

void CrashRestarter::clear()
{
    m_timers.clear();
    m_crashesInARow.clear();
    m_userKilled.clear();
}

} // namespace farmchat
