// File → Save session as scenario: what a user did in the window (messages
// in two rooms, Redis killed and restarted, a switch from off to pub/sub)
// saved as a scenario, replayed headless by farmchat-launcher --scenario,
// and the two delivery matrices match: the same senders, rooms and modes,
// the same state in every cell. The expectations the recording wrote (what
// the window saw per mode) hold in the replay.

#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "app/sessionlog.h"
#include "appfarmfixture.h"
#include "client/deliverytracker.h"
#include "launcher/farmsupervisor.h"
#include "launcher/managedprocess.h"
#include "launcher/redisinstance.h"
#include "launcher/scenario.h"
#include "tests/support/testlauncher.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;

class tst_SessionRecord : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void recordedSessionReplaysToTheSameMatrix();
    void nothingToSaveIsSaid();
};

namespace {

// One line per message: sender (as a column index), room, mode, then each
// pane's cell state — what must be the same in the window and the replay.
QStringList matrixLines(const QJsonObject &report)
{
    QStringList panes;
    for (const QJsonValue &pane : report.value(u"panes").toArray())
        panes << pane.toObject().value(u"id").toString();
    QStringList lines;
    for (const QJsonValue &value : report.value(u"rows").toArray()) {
        const QJsonObject row = value.toObject();
        QStringList cells;
        for (const QJsonValue &cell : row.value(u"cells").toArray())
            cells << cell.toObject().value(u"state").toString();
        lines << QStringLiteral("from %1 in %2, %3: %4")
                     .arg(panes.indexOf(row.value(u"sender").toString()))
                     .arg(row.value(u"room").toString(), row.value(u"mode").toString(),
                         cells.join(u' '));
    }
    return lines;
}

} // namespace

void tst_SessionRecord::recordedSessionReplaysToTheSameMatrix()
{
    QStandardPaths::setTestModeEnabled(true);
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
    QTemporaryDir dir;
    AppOptions options;
    options.backplane = BackplaneMode::Off;
    MainWindow window(options, test::scratchSettings(dir));
    FarmWorkspace &workspace = window.workspace();
    FarmSupervisor &farm = workspace.supervisor();
    const auto stopFarm = qScopeGuard([&] {
        const QString left = test::stopFarmLeavingNothing(workspace);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    });
    window.show();
    workspace.setPaneName(0, QStringLiteral("alice"));
    workspace.setPaneName(1, QStringLiteral("bob smith")); // not a client name as it is
    QVERIFY(test::launchOnFreePorts(workspace, 2));

    // Off: each message stays on its node.
    QCOMPARE(test::panesReached(workspace, 0, QStringLiteral("one"), 2, 3000, 300), QSet<int> {0});
    QCOMPARE(test::panesReached(workspace, 1, QStringLiteral("two"), 2, 3000, 300), QSet<int> {1});
    // Redis killed and back, with nothing sent meanwhile.
    farm.killRedis();
    const int redis = farm.indexOf(farm.redis()->process());
    QTRY_VERIFY_WITH_TIMEOUT(!isLive(farm.process(redis)->state()), 10000);
    farm.restartRedis();
    QTRY_COMPARE_WITH_TIMEOUT(farm.process(redis)->state(), ProcessState::Healthy, 10000);
    // Pub/sub: everyone, in the lobby and in a room of its own.
    QSignalSpy switched(&farm, &FarmSupervisor::backplaneRequestFinished);
    workspace.setMode(BackplaneMode::PubSub);
    QTRY_COMPARE_WITH_TIMEOUT(switched.count(), 1, 15000);
    QCOMPARE(test::panesReached(workspace, 0, QStringLiteral("three"), 2, 5000), QSet<int>({0, 1}));
    QCOMPARE(
        test::panesReached(workspace, 1, QStringLiteral("four"), 2, 5000, 0, QStringLiteral("dev")),
        QSet<int>({0, 1}));
    QTRY_VERIFY_WITH_TIMEOUT(workspace.tracker().isSettled(), 10000);

    const QString path = dir.filePath(QStringLiteral("saved/my-session.json"));
    const Result<QString> saved = window.saveSessionAsScenario(path);
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error()));
    const Result<Scenario> scenario = Scenario::load(path);
    QVERIFY2(scenario, qPrintable(scenario ? QString() : scenario.error()));
    QCOMPARE(scenario->name, QStringLiteral("my-session"));
    QCOMPARE(scenario->clients.size(), 2);
    QCOMPARE(scenario->clients[0].name, QStringLiteral("alice"));
    QCOMPARE(scenario->clients[1].name, QStringLiteral("bob-smith"));
    QCOMPARE(scenario->clients[1].node, 1);
    QStringList steps;
    for (const ScenarioStep &step : scenario->steps) {
        if (step.kind != ScenarioStep::Kind::Wait)
            steps << (step.kind == ScenarioStep::Kind::Send
                    ? step.from.join(u',') + u'>' + step.room
                    : step.op);
    }
    QCOMPARE(steps,
        QStringList({"alice>lobby", "bob-smith>lobby", "kill-redis", "restart-redis",
            "set-backplane", "alice>lobby", "bob-smith>dev"}));

    const QString reportPath = dir.filePath(QStringLiteral("replay.json"));
    test::TestLauncher replay({QStringLiteral("--scenario"), path, QStringLiteral("--report"),
        reportPath, QStringLiteral("--json")});
    QVERIFY(replay.start());
    QVERIFY2(replay.waitForExit(120000), replay.err().right(2000).constData());
    QVERIFY2(replay.exitCode() == 0, replay.err().right(3000).constData());

    QFile replayed(reportPath);
    QVERIFY(replayed.open(QIODevice::ReadOnly));
    const QJsonObject headless = QJsonDocument::fromJson(replayed.readAll()).object();
    const QJsonObject inWindow = workspace.session().report(workspace.tracker()).toJson();
    const QStringList expected = matrixLines(inWindow);
    QCOMPARE(expected.size(), 4);
    QCOMPARE(matrixLines(headless), expected);
}

void tst_SessionRecord::nothingToSaveIsSaid()
{
    QTemporaryDir dir;
    MainWindow window({}, test::scratchSettings(dir));
    const Result<QString> saved
        = window.saveSessionAsScenario(dir.filePath(QStringLiteral("empty.json")));
    QVERIFY(!saved);
    QVERIFY2(saved.error().contains(u"no farm has run yet"), qPrintable(saved.error()));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("empty.json"))));
}

QTEST_MAIN(tst_SessionRecord)
#include "tst_sessionrecord.moc"
