#include "launcher/scenarioplayer.h"

#include "launcher/consolereporter_p.h"
#include "launcher/scenariorun_p.h"

namespace farmchat {

ScenarioPlayer::ScenarioPlayer(
    FarmSupervisor &farm, Scenario scenario, ScenarioClients &clients, QObject *parent)
    : QObject(parent)
    , m_scenario(std::move(scenario))
    , m_console(std::make_unique<ConsoleReporter>(farm, false))
{
    m_console->setSilent(true);
    m_run = std::make_unique<ScenarioRun>(farm, *m_console, m_scenario, QString(), &clients);
    connect(m_run.get(), &ScenarioRun::narrated, this, &ScenarioPlayer::narrated);
    connect(m_run.get(), &ScenarioRun::finished, this, &ScenarioPlayer::finished);
}

ScenarioPlayer::~ScenarioPlayer()
{
    if (m_run->isRunning())
        m_run->cancel();
}

void ScenarioPlayer::start()
{
    m_run->start();
}

void ScenarioPlayer::stop(const QString &why)
{
    m_run->abort(why.isEmpty()
            ? tr("stopped by the user at step %1 of %2").arg(currentStep()).arg(stepCount())
            : why);
}

bool ScenarioPlayer::isRunning() const
{
    return m_run->isRunning();
}

int ScenarioPlayer::stepCount() const
{
    return m_run->stepCount();
}

int ScenarioPlayer::currentStep() const
{
    return m_run->currentStep();
}

const DeliveryReport &ScenarioPlayer::report() const
{
    return m_run->report();
}

} // namespace farmchat
