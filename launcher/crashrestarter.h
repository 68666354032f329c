#pragma once

#include "launcher/restartbackoff.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>
#include <set>

namespace farmchat {

class ManagedProcess;

// Brings back the farm's processes that end by themselves while the farm is to
// keep running (FarmConfig::keepRunning): per process a capped back-off
// (RestartBackoff), so a node that dies at once is not restarted in a storm,
// and a stop or kill the user asked for is never undone. Owned by
// FarmSupervisor, which does the actual restart through `restart`.
class CrashRestarter : public QObject
{
    Q_OBJECT
public:
    using Restart = std::function<void(ManagedProcess *process)>;

    explicit CrashRestarter(Restart restart, QObject *parent = nullptr);
    ~CrashRestarter() override;

    // `process` ended (Exited or Crashed): schedule its restart, or give up.
    void processEnded(ManagedProcess *process);
    // The user killed it: leave it down until the user restarts it.
    void userKilled(ManagedProcess *process);
    // The user stopped or restarted it: drop what was pending and start counting afresh.
    void userTookOver(ManagedProcess *process);
    void cancelAll();
    void clear();

Q_SIGNALS:
    void restartScheduled(farmchat::ManagedProcess *process, int delayMs, const QString &reason);
    // It kept crashing; `text` says so with the last reason.
    void gaveUp(farmchat::ManagedProcess *process, const QString &text);

private:
    Restart m_restart;
    std::map<const ManagedProcess *, RestartBackoff> m_backoff;
    std::map<const ManagedProcess *, std::unique_ptr<QTimer>> m_timers;
    std::set<const ManagedProcess *> m_userKilled;
};

} // namespace farmchat
