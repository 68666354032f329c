#pragma once

#include "launcher/launcheroptions.h"

#include <QObject>

#include <memory>

namespace farmchat {

class ConsoleReporter;
class ControlChannel;
class FarmDemo;
class LbDemo;
class ScenarioRun;
class FarmSupervisor;
class SignalWatcher;

// What farmchat-launcher does: starts the farm from LauncherOptions, reports
// through ConsoleReporter, runs the demo when asked, stops everything in
// order on Ctrl-C / SIGTERM (or a control channel's stop), and ends with finished(exit code).
// main() only parses the options and runs the event loop.
class LauncherCli : public QObject
{
    Q_OBJECT
public:
    explicit LauncherCli(LauncherOptions options, QObject *parent = nullptr);
    ~LauncherCli() override;

    // Starts the farm; finished() follows (never from inside this call).
    void start();
    FarmSupervisor &supervisor() { return *m_farm; }

Q_SIGNALS:
    // 0: stopped cleanly or the demo passed; 1: the farm failed or the demo did.
    void finished(int exitCode);

private:
    void onStarted();
    void onTermination(const QString &signalName);
    void stopEverything();
    void onStopped();

    LauncherOptions m_options;
    std::unique_ptr<FarmSupervisor> m_farm;
    std::unique_ptr<ConsoleReporter> m_reporter;
    std::unique_ptr<ControlChannel> m_control; // --control stdin; uses m_farm and m_reporter
    std::unique_ptr<SignalWatcher> m_signals;
    std::unique_ptr<FarmDemo> m_demo;
    std::unique_ptr<LbDemo> m_lbDemo; // after m_demo, with a load balancer
    std::unique_ptr<ScenarioRun> m_scenario; // --scenario
    int m_exitCode = 0;
    bool m_finished = false;
};

} // namespace farmchat
