#pragma once

#include "client/deliveryreport.h"
#include "launcher/demochapter_p.h"
#include "launcher/scenario.h"
#include "launcher/scenarioclients.h"

#include <QElapsedTimer>
#include <QHash>
#include <QTimer>

#include <memory>
#include <vector>

namespace farmchat {

class ControlChannel;

// farmchat-launcher --scenario: plays a scenario on the running farm its
// file described. Connects the scenario's clients, runs the steps in order
// (sends at their rate, the control channel's ops for faults and modes,
// waits), lets every message settle, then judges each expectation with the
// same scoring as the app's matrix and --demo (judgeDeliveries) and writes
// the report. Every wait is bounded; finished() passes when every
// expectation held.
class ScenarioRun : public DemoChapter
{
    Q_OBJECT
public:
    // A client that never connects (a balancer without sticky sessions) does
    // not hold the run up longer than this.
    static constexpr int kFirstConnectMs = 15000;

    // `clients` null: its own (OwnScenarioClients), made now on the running farm.
    ScenarioRun(FarmSupervisor &farm, ConsoleReporter &reporter, Scenario scenario,
        QString reportPath, ScenarioClients *clients = nullptr, QObject *parent = nullptr);
    ~ScenarioRun() override;

    void start() override;
    void cancel() override;
    // Ends the run now with `why` as its error: judged and reported on what ran.
    void abort(const QString &why) { fail(why); }
    const DeliveryReport &report() const { return m_report; }
    int stepCount() const { return int(m_scenario.steps.size()); }
    // 0 while the clients connect, then 1 … stepCount() for the running step.
    int currentStep() const { return m_step + 1; }

Q_SIGNALS:
    // Each step, phase and note as it happens; `kind` as in DeliveryReport::Event.
    void narrated(const QString &kind, const QString &text);

private:
    void watchClient(int index);
    void joinRooms(int index);
    void checkFirstConnects();
    void nextStep();
    void runSend(const ScenarioStep &step);
    void sendTick();
    void runWait(const ScenarioStep &step);
    void runControl(const ScenarioStep &step);
    void onReply(const QJsonObject &reply);
    bool allConnected() const;
    void settle();
    bool mayStillArrive() const;
    QList<QMetaObject::Connection> waitForQuiet(void (ScenarioRun::*then)());
    void updateCutOffs();
    void unwatch();
    void conclude();
    void fail(const QString &why);
    void narrate(const QString &kind, const QString &text);
    qint64 now() const { return m_clock.elapsed(); }

    const Scenario m_scenario;
    const QString m_reportPath;
    std::unique_ptr<ScenarioClients> m_ownClients;
    ScenarioClients &m_clients;
    DeliveryTracker &m_tracker;
    std::unique_ptr<ControlChannel> m_control;
    QElapsedTimer m_clock;
    qint64 m_startedAtMs = 0; // since the epoch
    QTimer m_stepTimer; // waits, sends, first connects
    QTimer m_quiet; // waits for the matrix to stop changing
    QTimer m_deadline; // the whole run
    QList<QMetaObject::Connection> m_stepWatches; // the running step's waits
    int m_step = -1;
    int m_ticksLeft = 0; // of the running send step
    int m_sentInStep = 0;
    QString m_phase = QStringLiteral("start");
    QStringList m_phaseOfRow; // one per tracker row
    QHash<QString, qint64> m_phaseStartMs;
    QHash<QString, int> m_historyResets; // per phase
    QHash<QString, int> m_stickyFailures; // per phase
    QSet<QString> m_partitioned; // nodes whose Redis link a step partitioned
    QSet<int> m_triedOnce; // clients whose first connect ended, either way
    int m_joinsPending = 0; // rooms asked for on the first connects, not answered yet
    DeliveryReport m_report;
    bool m_concluding = false;
};

} // namespace farmchat
