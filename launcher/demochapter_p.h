#pragma once

#include "launcher/backplanewait_p.h"

#include <QObject>
#include <QString>

namespace farmchat {

class ConsoleReporter;
class FarmSupervisor;

// One chapter of the headless demo (--demo) against a running farm: FarmDemo
// (the backplane matrix) and LbDemo (the load balancer) run this way, one
// after the other, driven by LauncherCli. Holds what they share: the farm,
// the console, whether it runs, the wait for a backplane mode, and a
// finished() that comes once, from the event loop.
class DemoChapter : public QObject
{
    Q_OBJECT
public:
    DemoChapter(FarmSupervisor &farm, ConsoleReporter &reporter, QObject *parent = nullptr);
    ~DemoChapter() override;

    virtual void start() = 0;
    // Stops the clients; finished() does not follow.
    virtual void cancel() = 0;
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    // `summary` is one line: what passed.
    void finished(bool passed, const QString &summary);

protected:
    // Cancels, then emits finished() — not from inside a client's signal:
    // the CLI stops the farm on it.
    void finishLater(bool passed, const QString &summary);

    FarmSupervisor &m_farm;
    ConsoleReporter &m_reporter;
    BackplaneWait m_backplane;
    bool m_running = false;
};

} // namespace farmchat
