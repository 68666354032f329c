#pragma once

#include "core/backoff.h"

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
// (kBackoff), so a node that dies at once is not restarted in a storm, and a
// stop or kill the user asked for is never undone. Owned by FarmSupervisor,
// which does the actual restart through `restart`.
class CrashRestarter : public QObject
{
    Q_OBJECT
public:
    using Restart = std::function<void(ManagedProcess *process)>;

    // 500 ms, 1 s, 2 s, … capped at 10 s; after 8 crashes in a row it gives up.
    static constexpr Backoff kBackoff {.firstDelayMs = 500, .maxDelayMs = 10000, .maxRetries = 8};
    // A run that stayed up this long counts as recovered: the crash that ends
    // it starts the count afresh.
    static constexpr qint64 kStableRunMs = 30000;

    explicit CrashRestarter(
        Restart restart, qint64 stableRunMs = kStableRunMs, QObject *parent = nullptr);
    ~CrashRestarter() override;

    // `process` ended (Exited or Crashed): schedule its restart, or give up.
    void processEnded(ManagedProcess *process);
    // The user killed it: leave it down until the user restarts it.
    void userKilled(ManagedProcess *process);
    // The user stopped or restarted it: drop what was pending and start counting afresh.
    void userTookOver(ManagedProcess *process);
    void cancelAll();
    void clear();
    // `process` leaves the farm: nothing of it is kept.
    void forget(const ManagedProcess *process);

Q_SIGNALS:
    void restartScheduled(farmchat::ManagedProcess *process, int delayMs, const QString &reason);
    // It kept crashing; `text` says so with the last reason.
    void gaveUp(farmchat::ManagedProcess *process, const QString &text);

private:
    Restart m_restart;
    qint64 m_stableRunMs;
    std::map<const ManagedProcess *, int> m_crashesInARow;
    std::map<const ManagedProcess *, std::unique_ptr<QTimer>> m_timers;
    std::set<const ManagedProcess *> m_userKilled;
};

} // namespace farmchat
