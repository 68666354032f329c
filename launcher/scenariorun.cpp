#include "launcher/scenariorun_p.h"

#include "client/trackedclient.h"
#include "launcher/consolereporter_p.h"
#include "launcher/controlchannel_p.h"
#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "launcher/scenarioclients.h"
#include "launcher/scenariojudge_p.h"

#include <QDateTime>
#include <QJsonDocument>

namespace farmchat {

namespace {

// What a control op does to the farm, for the timeline.
QString eventKindOf(const QString &op)
{
    if (op == u"set-backplane" || op == u"set-node-backplane")
        return QStringLiteral("mode");
    for (const char *healing : {"restart-", "resume-", "rejoin-", "heal-", "reset-"}) {
        if (op.startsWith(QLatin1String(healing)))
            return QStringLiteral("heal");
    }
    for (const char *breaking : {"kill-", "stop-", "pause-", "cut-off-", "set-link-fault"}) {
        if (op.startsWith(QLatin1String(breaking)))
            return QStringLiteral("fault");
    }
    return QStringLiteral("step");
}

// "--nodes 2 --link-faults" -> "nodes: 2", "link-faults"; ports are always free ones.
QStringList farmListing(const QStringList &arguments)
{
    QStringList listing;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString flag = arguments[i].mid(2);
        const bool hasValue = i + 1 < arguments.size() && !arguments[i + 1].startsWith(u"--");
        const QString value = hasValue ? arguments[++i] : QString();
        if (flag == u"base-port" || flag == u"lb-port")
            continue;
        listing << (hasValue ? flag + QStringLiteral(": ") + value : flag);
    }
    return listing;
}

} // namespace

ScenarioRun::ScenarioRun(FarmSupervisor &farm, ConsoleReporter &reporter, Scenario scenario,
    QString reportPath, ScenarioClients *clients, QObject *parent)
    : DemoChapter(farm, reporter, parent)
    , m_scenario(std::move(scenario))
    , m_reportPath(std::move(reportPath))
    , m_ownClients(clients ? nullptr : std::make_unique<OwnScenarioClients>(farm, m_scenario))
    , m_clients(clients ? *clients : *m_ownClients)
    , m_tracker(m_clients.tracker())
    , m_control(std::make_unique<ControlChannel>(farm, reporter))
{
    m_tracker.setGracePeriodMs(m_scenario.graceMs);
    m_control->setReplyHandler([this](const QJsonObject &reply) { onReply(reply); });
    m_stepTimer.setSingleShot(true);
    m_quiet.setSingleShot(true);
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("the run took over its timeoutMs of %1 ms").arg(m_scenario.timeoutMs));
    });
    connect(&farm, &FarmSupervisor::nodeHealthChanged, this, &ScenarioRun::updateCutOffs);
    connect(&farm, &FarmSupervisor::processChanged, this, &ScenarioRun::updateCutOffs);
    connect(&m_tracker, &DeliveryTracker::rowAdded, this,
        [this](int row) { m_phaseOfRow.resize(row + 1, m_phase); });
}

ScenarioRun::~ScenarioRun() = default;

void ScenarioRun::narrate(const QString &kind, const QString &text)
{
    m_report.timeline.append({now(), kind, text});
    Q_EMIT narrated(kind, text);
    if (m_reporter.isJson())
        m_reporter.jsonEvent(QStringLiteral("scenario"),
            {{"atMs", now()}, {"kind", kind}, {"text", text}, {"step", m_step + 1},
                {"steps", int(m_scenario.steps.size())}});
    else
        m_reporter.note(QStringLiteral("scenario %1.%2 s: %3")
                            .arg(now() / 1000)
                            .arg(now() % 1000 / 100)
                            .arg(text));
}

void ScenarioRun::start()
{
    m_running = true;
    m_clock.start();
    m_startedAtMs = QDateTime::currentMSecsSinceEpoch();
    m_phaseStartMs.insert(m_phase, m_startedAtMs);
    m_deadline.start(m_scenario.timeoutMs);
    narrate(QStringLiteral("note"),
        QStringLiteral("'%1': connecting %2 clients")
            .arg(m_scenario.name)
            .arg(m_scenario.clients.size()));
    for (int i = 0; i < m_clients.count(); ++i)
        watchClient(i);
    m_clients.start();
    connect(
        &m_stepTimer, &QTimer::timeout, this,
        [this] {
            narrate(QStringLiteral("note"),
                QStringLiteral("not every client connected within %1 ms; going on")
                    .arg(kFirstConnectMs));
            nextStep();
        },
        Qt::SingleShotConnection);
    m_stepTimer.start(kFirstConnectMs);
}

void ScenarioRun::watchClient(int index)
{
    const ScenarioClient &spec = m_scenario.clients[index];
    TrackedClient &client = m_clients.client(index);
    m_tracker.setPaneRooms(client.paneId(), spec.rooms);
    HubConnection &hub = client.client().connection();
    // Rooms joined once connected (at once for a pane that is), so that the
    // first step finds every client in its rooms; after a reconnect the
    // client joins them again itself.
    if (client.client().isConnected())
        joinRooms(index);
    else
        connect(
            &hub, &HubConnection::connected, this, [this, index] { joinRooms(index); },
            Qt::SingleShotConnection);
    connect(&hub, &HubConnection::disconnected, this, [this, index](const QString &reason) {
        m_triedOnce.insert(index);
        if (TrackedClient::isMissingStickySession(reason))
            ++m_stickyFailures[m_phase];
        checkFirstConnects();
    });
    connect(&client.client(), &ChatClient::historyReset, this,
        [this](const QString &) { ++m_historyResets[m_phase]; });
}

void ScenarioRun::joinRooms(int index)
{
    ChatClient &chat = m_clients.client(index).client();
    for (const QString &room : m_scenario.clients[index].rooms) {
        if (room == ChatClient::kLobby)
            continue;
        ++m_joinsPending;
        chat.joinRoom(room, [this](const Result<void> &joined) {
            --m_joinsPending;
            if (!joined)
                narrate(QStringLiteral("note"), joined.error());
            checkFirstConnects();
        });
    }
    m_triedOnce.insert(index);
    checkFirstConnects();
}

void ScenarioRun::checkFirstConnects()
{
    if (m_step >= 0 || !m_running || m_triedOnce.size() < m_clients.count() || m_joinsPending > 0)
        return;
    nextStep();
}

bool ScenarioRun::allConnected() const
{
    for (int i = 0; i < m_clients.count(); ++i) {
        if (!m_clients.client(i).client().isConnected())
            return false;
    }
    return true;
}

void ScenarioRun::nextStep()
{
    if (!m_running || m_concluding)
        return;
    unwatch();
    if (++m_step >= m_scenario.steps.size())
        return settle();
    const ScenarioStep &step = m_scenario.steps[m_step];
    switch (step.kind) {
    case ScenarioStep::Kind::Phase:
        m_phase = step.phase;
        m_phaseStartMs.insert(m_phase, QDateTime::currentMSecsSinceEpoch());
        narrate(QStringLiteral("phase"), step.phase);
        return nextStep();
    case ScenarioStep::Kind::Send:
        return runSend(step);
    case ScenarioStep::Kind::Wait:
        return runWait(step);
    case ScenarioStep::Kind::Control:
        return runControl(step);
    }
}

void ScenarioRun::unwatch()
{
    for (const QMetaObject::Connection &watch : std::as_const(m_stepWatches))
        disconnect(watch);
    m_stepWatches.clear();
    m_quiet.stop();
    m_stepTimer.stop();
    m_stepTimer.setSingleShot(true);
    disconnect(&m_stepTimer, &QTimer::timeout, this, nullptr);
}

void ScenarioRun::runSend(const ScenarioStep &step)
{
    narrate(QStringLiteral("step"), step.describe());
    m_ticksLeft = step.count;
    m_sentInStep = 0;
    connect(&m_stepTimer, &QTimer::timeout, this, &ScenarioRun::sendTick);
    m_stepTimer.setSingleShot(false);
    m_stepTimer.start(std::max(1, int(1000.0 / step.rate)));
    sendTick();
}

void ScenarioRun::sendTick()
{
    const ScenarioStep &step = m_scenario.steps[m_step];
    if (m_ticksLeft <= 0)
        return nextStep();
    --m_ticksLeft;
    ++m_sentInStep;
    for (const QString &name : step.from) {
        for (int i = 0; i < m_clients.count(); ++i) {
            const ScenarioClient &spec = m_scenario.clients[i];
            if (spec.name != name)
                continue;
            // What its node promises (one node's backplane may be off), as the app's panes send.
            const BackplaneMode mode
                = spec.viaBalancer ? m_farm.backplane() : m_farm.nodeBackplane(spec.node);
            m_clients.send(i,
                QStringLiteral("%1 #%2 from %3").arg(m_phase).arg(m_sentInStep).arg(name), mode,
                step.room);
        }
    }
}

void ScenarioRun::runWait(const ScenarioStep &step)
{
    narrate(QStringLiteral("step"), step.describe());
    if (step.until == ScenarioStep::Until::Settled) {
        m_stepWatches << waitForQuiet(&ScenarioRun::nextStep);
    } else if (step.until == ScenarioStep::Until::Backplane) {
        if (m_farm.isBackplaneUp())
            return nextStep();
        m_stepWatches << connect(&m_farm, &FarmSupervisor::nodeHealthChanged, this, [this] {
            if (m_farm.isBackplaneUp())
                nextStep();
        });
    } else if (step.until == ScenarioStep::Until::Connected) {
        if (allConnected())
            return nextStep();
        for (int i = 0; i < m_clients.count(); ++i) {
            m_stepWatches << connect(&m_clients.client(i).client().connection(),
                &HubConnection::connected, this, [this] {
                    if (allConnected())
                        nextStep();
                });
        }
    }
    connect(&m_stepTimer, &QTimer::timeout, this, [this, step] {
        if (step.until != ScenarioStep::Until::Time)
            narrate(QStringLiteral("note"),
                QStringLiteral("%1: still not so after %2 ms; going on")
                    .arg(step.where)
                    .arg(step.ms));
        nextStep();
    });
    m_stepTimer.start(step.ms);
}

void ScenarioRun::updateCutOffs()
{
    // As the app's matrix judges it (FarmSupervisor::isNodeCutOff), and at
    // once for a partition a step made, before any /health poll sees it.
    for (int i = 0; i < m_farm.nodeCount(); ++i) {
        const QString node = m_farm.node(i)->name();
        m_tracker.setNodeCutOff(node, m_partitioned.contains(node) || m_farm.isNodeCutOff(i));
    }
}

void ScenarioRun::runControl(const ScenarioStep &step)
{
    narrate(eventKindOf(step.op), step.describe());
    QJsonObject command = QJsonDocument::fromJson(step.controlLine).object();
    command.insert(QStringLiteral("id"), m_step);
    m_control->handleLine(QJsonDocument(command).toJson(QJsonDocument::Compact));
}

void ScenarioRun::onReply(const QJsonObject &reply)
{
    if (!m_running || reply.value(u"id") != QJsonValue(m_step))
        return;
    if (!reply.value(u"ok").toBool()) {
        const ScenarioStep &step = m_scenario.steps[m_step];
        return fail(QStringLiteral("%1 (%2) failed: %3")
                        .arg(step.where, step.op, reply.value(u"error").toString()));
    }
    // A node whose Redis link is partitioned hears nothing from the
    // backplane: what pub/sub then misses on it is the loss it documents.
    const QJsonObject fault = reply.value(u"fault").toObject();
    if (reply.value(u"link") == QJsonValue(QStringLiteral("redis"))
        && fault.contains(u"partitioned")) {
        const QString node = reply.value(u"process").toString();
        if (fault.value(u"partitioned").toBool())
            m_partitioned.insert(node);
        else
            m_partitioned.remove(node);
        updateCutOffs();
    }
    // Replies come from inside the farm's signals: go on from the event loop.
    QTimer::singleShot(0, this, &ScenarioRun::nextStep);
}

QList<QMetaObject::Connection> ScenarioRun::waitForQuiet(void (ScenarioRun::*then)())
{
    // Settled is not enough: a message judged missing may still arrive
    // (streams catching up after a partition heals). The wait ends once
    // every message is judged and nothing has changed for a grace period.
    m_quiet.start(m_scenario.graceMs);
    return {connect(&m_quiet, &QTimer::timeout, this,
                [this, then] {
                    if (m_tracker.isSettled() && !mayStillArrive())
                        (this->*then)();
                    else
                        m_quiet.start(m_scenario.graceMs);
                }),
        connect(&m_tracker, &DeliveryTracker::cellChanged, this,
            [this] { m_quiet.start(m_scenario.graceMs); }),
        connect(&m_tracker, &DeliveryTracker::rowAdded, this,
            [this] { m_quiet.start(m_scenario.graceMs); }),
        connect(&m_farm, &FarmSupervisor::nodeHealthChanged, this,
            [this] { m_quiet.start(m_scenario.graceMs); })};
}

bool ScenarioRun::mayStillArrive() const
{
    // Streams delivers what a pane missed once its node hears Redis again.
    if (m_farm.isBackplaneUp())
        return false;
    for (int r = 0; r < m_tracker.rowCount(); ++r) {
        const DeliveryRow &row = m_tracker.row(r);
        if (row.message.mode != BackplaneMode::Streams || row.refused)
            continue;
        for (const DeliveryCell &cell : row.cells) {
            if (cell.expected && cell.state == DeliveryState::Missing)
                return true;
        }
    }
    return false;
}

void ScenarioRun::settle()
{
    narrate(QStringLiteral("note"), QStringLiteral("every step ran; waiting for the verdict"));
    m_stepWatches << waitForQuiet(&ScenarioRun::conclude);
    connect(&m_stepTimer, &QTimer::timeout, this, &ScenarioRun::conclude);
    m_stepTimer.start(m_scenario.settleTimeoutMs);
}

void ScenarioRun::fail(const QString &why)
{
    if (!m_running || m_concluding)
        return;
    m_report.error = why;
    narrate(QStringLiteral("error"), why);
    conclude();
}

void ScenarioRun::conclude()
{
    if (!m_running || m_concluding)
        return;
    m_concluding = true;
    unwatch();
    m_deadline.stop();
    m_tracker.updateTimeouts();
    m_report.title = m_scenario.name;
    m_report.description = m_scenario.description;
    m_report.source = m_scenario.source;
    m_report.startedAt
        = QDateTime::fromMSecsSinceEpoch(m_startedAtMs).toUTC().toString(Qt::ISODate);
    m_report.durationMs = now();
    m_report.farm = farmListing(m_scenario.farmArguments);
    m_phaseOfRow.resize(m_tracker.rowCount(), m_phase);
    m_report.fillFromTracker(m_tracker, m_startedAtMs, m_phaseOfRow);
    for (DeliveryReport::Group &group : m_report.phases)
        group.historyResets = m_historyResets.value(group.name);
    const ScenarioMeasures measures {
        m_tracker, m_phaseOfRow, m_phaseStartMs, m_historyResets, m_stickyFailures};
    m_report.passed = m_report.error.isEmpty();
    for (const ScenarioExpectation &expectation : m_scenario.expectations) {
        const DeliveryReport::Expectation judged = judgeExpectation(expectation, measures);
        m_report.passed = m_report.passed && judged.passed;
        m_report.expectations.append(judged);
        m_reporter.note(QStringLiteral("  %1 %2 — measured %3")
                            .arg(judged.passed ? QStringLiteral("pass") : QStringLiteral("FAIL"),
                                judged.text, judged.measured));
    }
    if (!m_reportPath.isEmpty()) {
        const auto written = m_report.write(m_reportPath);
        if (written)
            m_reporter.note(QStringLiteral("report: %1").arg(written->join(u", ")));
        else {
            m_reporter.printError(written.error());
            m_report.passed = false;
        }
    }
    const int failed = int(std::count_if(m_report.expectations.cbegin(),
        m_report.expectations.cend(), [](const auto &e) { return !e.passed; }));
    finishLater(m_report.passed,
        QStringLiteral("scenario '%1' %2 in %3 s: %4 of %5 expectations held%6")
            .arg(m_scenario.name,
                m_report.passed ? QStringLiteral("passed") : QStringLiteral("FAILED"))
            .arg(double(m_report.durationMs) / 1000, 0, 'f', 1)
            .arg(m_report.expectations.size() - failed)
            .arg(m_report.expectations.size())
            .arg(m_report.error.isEmpty() ? QString() : QStringLiteral("; ") + m_report.error));
}

void ScenarioRun::cancel()
{
    m_running = false;
    unwatch();
    m_deadline.stop();
    m_clients.stop();
    // The tracker may outlive the run (the app's): its cut-offs are no longer this run's.
    disconnect(&m_farm, nullptr, this, nullptr);
    disconnect(&m_tracker, nullptr, this, nullptr);
}

} // namespace farmchat
