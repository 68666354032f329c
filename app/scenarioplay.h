#pragma once

#include "client/deliveryreport.h"
#include "launcher/scenario.h"

#include <QObject>

#include <memory>

namespace farmchat {

class FarmWorkspace;
class ScenarioClients;
class ScenarioPlayer;

// Farm ▸ Run scenario: launches the scenario's farm with a pane per
// scenario client (named, on its node or the balancer), then plays the
// scenario on those panes with the launcher's own run (ScenarioPlayer), so
// the panes, the matrix and the topology show it as it happens. A farm that
// runs is stopped first. Narrates each step and ends with the verdict; the
// farm keeps running afterwards for a look around.
class ScenarioPlay : public QObject
{
    Q_OBJECT
public:
    ScenarioPlay(FarmWorkspace &workspace, Scenario scenario, QObject *parent = nullptr);
    ~ScenarioPlay() override;

    const Scenario &scenario() const { return m_scenario; }
    void start();
    // Ends the run now, judged on what ran; before the farm is up, stops it.
    void stop();
    bool isFinished() const { return m_finished; }
    int stepCount() const { return int(m_scenario.steps.size()); }
    // 0 while the farm starts and the panes connect, then 1 … stepCount().
    int currentStep() const;
    // The run's report once finished (verdict, expectations); null before.
    const DeliveryReport *report() const;

Q_SIGNALS:
    // A step began, or something happened worth a line: for the status bar.
    void narrated(const QString &kind, const QString &text);
    void progressed(int step, int steps);
    void finished(bool passed, const QString &summary);

private:
    void launchFarm();
    void onPanesCreated();
    void finish(bool passed, const QString &summary);
    void unwatchFarm();

    FarmWorkspace &m_workspace;
    const Scenario m_scenario;
    std::unique_ptr<ScenarioClients> m_panes;
    std::unique_ptr<ScenarioPlayer> m_player;
    QList<QMetaObject::Connection> m_farmWatches;
    bool m_finished = false;
    bool m_waitingForStop = false; // a running farm is stopping; then ours starts
};

} // namespace farmchat
