#include "launcher/launchercli_p.h"

#include "launcher/consolereporter_p.h"
#include "launcher/controlchannel_p.h"
#include "launcher/farmdemo_p.h"
#include "launcher/farmsupervisor.h"
#include "launcher/lbdemo.h"
#include "launcher/scenariorun_p.h"
#include "platform/signalwatcher.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTimer>

namespace farmchat {

LauncherCli::LauncherCli(LauncherOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_farm(std::make_unique<FarmSupervisor>())
    , m_reporter(std::make_unique<ConsoleReporter>(*m_farm, m_options.json))
    , m_signals(std::make_unique<SignalWatcher>())
{
    connect(
        m_signals.get(), &SignalWatcher::terminationRequested, this, &LauncherCli::onTermination);
    connect(m_farm.get(), &FarmSupervisor::started, this, &LauncherCli::onStarted);
    connect(m_farm.get(), &FarmSupervisor::stopped, this, &LauncherCli::onStopped);
    connect(m_farm.get(), &FarmSupervisor::error, this, [this] {
        if (m_farm->state() != FarmState::Running)
            m_exitCode = 1; // the start failed; the farm is stopping
    });
    if (m_options.controlStdin) {
        m_control = std::make_unique<ControlChannel>(*m_farm, *m_reporter);
        connect(m_control.get(), &ControlChannel::stopRequested, this, [this] {
            m_reporter->note(QStringLiteral("control channel: stopping the farm"));
            stopEverything();
        });
    }
}

LauncherCli::~LauncherCli() = default;

void LauncherCli::start()
{
    if (m_options.farm.logDir.isEmpty()) {
        QTemporaryDir dir(QDir::tempPath() + QStringLiteral("/farmchat-logs-XXXXXX"));
        if (dir.isValid()) {
            dir.setAutoRemove(
                false); // removed in onStopped() after a clean run, else kept for reading
            m_options.farm.logDir = dir.path();
            m_options.temporaryLogDir = true;
        }
    }
    // The log dir is shown with the table, or kept and named if the farm fails.
    m_farm->start(m_options.farm);
    if (m_control)
        m_control->start(); // lines read before the farm runs wait for it
}

void LauncherCli::onStarted()
{
    if (m_options.scenario) {
        m_scenario = std::make_unique<ScenarioRun>(
            *m_farm, *m_reporter, *m_options.scenario, m_options.reportPath);
        connect(m_scenario.get(), &ScenarioRun::finished, this,
            [this](bool passed, const QString &summary) {
                m_exitCode = passed ? 0 : 1;
                m_reporter->note(summary);
                m_farm->stop();
            });
        m_scenario->start();
        return;
    }
    if (!m_options.demo) {
        m_reporter->note(QStringLiteral("the farm is running; Ctrl-C stops it"));
        return;
    }
    m_demo = std::make_unique<FarmDemo>(*m_farm, *m_reporter, m_options.demoModes);
    connect(m_demo.get(), &FarmDemo::finished, this, [this](bool passed, const QString &summary) {
        m_exitCode = passed ? 0 : 1;
        m_reporter->note(summary);
        if (!m_farm->loadBalancer()) {
            m_farm->stop();
            return;
        }
        // The load balancer's chapter follows the matrix; both must pass.
        m_lbDemo = std::make_unique<LbDemo>(*m_farm, *m_reporter);
        connect(m_lbDemo.get(), &LbDemo::finished, this,
            [this](bool lbPassed, const QString &lbSummary) {
                if (!lbPassed)
                    m_exitCode = 1;
                m_reporter->note(lbSummary);
                m_farm->stop();
            });
        m_lbDemo->start();
    });
    m_demo->start();
}

void LauncherCli::onTermination(const QString &signalName)
{
    m_reporter->note(QStringLiteral("%1: stopping the farm").arg(signalName));
    stopEverything();
}

void LauncherCli::stopEverything()
{
    if (m_demo && m_demo->isRunning()) {
        m_demo->cancel();
        m_exitCode = 1; // the demo did not get to its verdict
    }
    for (DemoChapter *chapter : {static_cast<DemoChapter *>(m_lbDemo.get()),
             static_cast<DemoChapter *>(m_scenario.get())}) {
        if (chapter && chapter->isRunning()) {
            chapter->cancel();
            m_exitCode = 1; // it did not get to its verdict
        }
    }
    if (m_farm->state() == FarmState::Stopped)
        onStopped();
    else
        m_farm->stop();
}

void LauncherCli::onStopped()
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_options.temporaryLogDir) {
        // Logs of a failed run are worth reading; a clean run or one that never
        // started a process leaves nothing behind.
        if (m_exitCode == 0 || m_farm->processCount() == 0)
            QDir(m_options.farm.logDir).removeRecursively();
        else
            m_reporter->note(QStringLiteral("process logs kept in %1").arg(m_options.farm.logDir));
    }
    // Leave the stopped() emission before the event loop is told to end.
    QTimer::singleShot(0, this, [this] { Q_EMIT finished(m_exitCode); });
}

} // namespace farmchat
