#pragma once

#include "client/deliveryreport.h"
#include "launcher/scenario.h"

#include <QObject>

#include <memory>

namespace farmchat {

class ConsoleReporter;
class FarmSupervisor;
class ScenarioClients;
class ScenarioRun;

// A scenario played on a farm that runs already, on clients someone else
// owns: the desktop app's "Run scenario…" on its panes. The run is the one
// farmchat-launcher --scenario makes (steps, control ops, waits, the
// verdict by the same scoring), with no terminal output; each step is
// narrated by signal instead.
class ScenarioPlayer : public QObject
{
    Q_OBJECT
public:
    // `clients` holds one client per scenario client, in its order, and outlives this.
    ScenarioPlayer(FarmSupervisor &farm, Scenario scenario, ScenarioClients &clients,
        QObject *parent = nullptr);
    ~ScenarioPlayer() override;

    const Scenario &scenario() const { return m_scenario; }
    void start();
    // Ends the run now: judged on what ran, with `why` (default: "stopped by
    // the user at step N of M") as its error.
    void stop(const QString &why = {});
    bool isRunning() const;
    int stepCount() const;
    // 0 while the clients connect, then 1 … stepCount().
    int currentStep() const;
    // Complete once finished(): the verdict, each expectation, the matrix.
    const DeliveryReport &report() const;

Q_SIGNALS:
    // `kind` as in DeliveryReport::Event: "phase", "step", "fault", "heal", "mode", "note",
    // "error".
    void narrated(const QString &kind, const QString &text);
    void finished(bool passed, const QString &summary);

private:
    const Scenario m_scenario;
    std::unique_ptr<ConsoleReporter> m_console;
    std::unique_ptr<ScenarioRun> m_run;
};

} // namespace farmchat
