#include "app/scenarioplay.h"

#include "app/farmworkspace.h"
#include "app/panesession.h"
#include "app/sessionlog.h"
#include "launcher/scenarioclients.h"
#include "launcher/scenarioplayer.h"

#include <algorithm>

namespace farmchat {

namespace {

// The scenario's clients are the workspace's panes, in the scenario's
// order. They connect on their own and stay when the run ends.
class PaneScenarioClients : public ScenarioClients
{
public:
    PaneScenarioClients(FarmWorkspace &workspace, int clients)
        : m_workspace(workspace), m_clients(clients)
    { }

    DeliveryTracker &tracker() override { return m_workspace.tracker(); }
    // A node added during the run gets a pane the scenario does not know.
    int count() const override { return std::min(m_clients, m_workspace.paneCount()); }
    TrackedClient &client(int index) override { return m_workspace.pane(index)->tracked(); }
    void send(int index, const QString &text, BackplaneMode mode, const QString &room) override
    {
        m_workspace.pane(index)->send(text, mode, room);
    }
    void start() override { }
    void stop() override { }

private:
    FarmWorkspace &m_workspace;
    const int m_clients;
};

} // namespace

ScenarioPlay::ScenarioPlay(FarmWorkspace &workspace, Scenario scenario, QObject *parent)
    : QObject(parent), m_workspace(workspace), m_scenario(std::move(scenario))
{ }

ScenarioPlay::~ScenarioPlay()
{
    unwatchFarm();
}

void ScenarioPlay::start()
{
    FarmSupervisor &farm = m_workspace.supervisor();
    m_farmWatches << connect(
        &m_workspace, &FarmWorkspace::panesCreated, this, &ScenarioPlay::onPanesCreated);
    // The panes go when the farm stops: the run ends first, judged on what ran.
    m_farmWatches << connect(&m_workspace, &FarmWorkspace::panesAboutToClear, this, [this] {
        if (m_player && m_player->isRunning())
            m_player->stop(tr("the farm stopped at step %1 of %2")
                               .arg(m_player->currentStep())
                               .arg(stepCount()));
    });
    m_farmWatches << connect(&farm, &FarmSupervisor::error, this,
        [this](const QString &text) { Q_EMIT narrated(QStringLiteral("error"), text); });
    m_farmWatches << connect(&farm, &FarmSupervisor::stateChanged, this, [this](FarmState state) {
        if (state != FarmState::Stopped || m_player)
            return;
        if (m_waitingForStop) {
            m_waitingForStop = false;
            return launchFarm();
        }
        finish(false, tr("scenario '%1': the farm stopped before it began").arg(m_scenario.name));
    });
    if (farm.state() == FarmState::Stopped)
        return launchFarm();
    Q_EMIT narrated(QStringLiteral("note"), tr("stopping the running farm first"));
    m_waitingForStop = true;
    if (farm.state() != FarmState::Stopping)
        m_workspace.stop();
}

void ScenarioPlay::launchFarm()
{
    QList<FarmWorkspace::PanePlan> plan;
    for (const ScenarioClient &client : m_scenario.clients)
        plan.append({client.name, client.node, client.viaBalancer});
    Q_EMIT narrated(QStringLiteral("note"),
        tr("'%1': starting its farm (%2)")
            .arg(m_scenario.name, m_scenario.farmArguments.join(u' ')));
    Q_EMIT progressed(0, stepCount());
    m_workspace.launch(m_scenario.farm, plan);
}

void ScenarioPlay::onPanesCreated()
{
    if (m_player || m_finished)
        return;
    m_panes = std::make_unique<PaneScenarioClients>(m_workspace, int(m_scenario.clients.size()));
    m_player = std::make_unique<ScenarioPlayer>(m_workspace.supervisor(), m_scenario, *m_panes);
    connect(m_player.get(), &ScenarioPlayer::narrated, this,
        [this](const QString &kind, const QString &text) {
            m_workspace.session().add(kind, text);
            Q_EMIT narrated(kind, text);
            Q_EMIT progressed(m_player->currentStep(), stepCount());
        });
    connect(m_player.get(), &ScenarioPlayer::finished, this, &ScenarioPlay::finish);
    m_player->start();
}

void ScenarioPlay::stop()
{
    if (m_finished)
        return;
    if (m_player && m_player->isRunning())
        return m_player->stop();
    m_waitingForStop = false;
    finish(false, tr("scenario '%1' stopped before it began").arg(m_scenario.name));
    m_workspace.stop();
}

int ScenarioPlay::currentStep() const
{
    return m_player ? m_player->currentStep() : 0;
}

const DeliveryReport *ScenarioPlay::report() const
{
    return m_finished && m_player ? &m_player->report() : nullptr;
}

void ScenarioPlay::finish(bool passed, const QString &summary)
{
    if (m_finished)
        return;
    m_finished = true;
    unwatchFarm();
    m_workspace.session().add(passed ? QStringLiteral("note") : QStringLiteral("error"), summary);
    Q_EMIT finished(passed, summary);
}

void ScenarioPlay::unwatchFarm()
{
    for (const QMetaObject::Connection &watch : std::as_const(m_farmWatches))
        disconnect(watch);
    m_farmWatches.clear();
}

} // namespace farmchat
