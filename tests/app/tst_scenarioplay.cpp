// Farm ▸ Run scenario: a scenario played in the window. Its farm replaces the
// running one, the panes are its clients (named, on their nodes), the status
// bar narrates each step with a progress bar and a Stop button, and the
// verdict is the launcher's: the same run, the same scoring. Stop ends the
// run judged on what ran; a bad file is refused before anything starts.

#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "app/panesession.h"
#include "app/scenarioplay.h"
#include "app/scenariostatus.h"
#include "appfarmfixture.h"
#include "client/deliverytracker.h"
#include "launcher/farmsupervisor.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;

class tst_ScenarioPlay : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void playsInThePanesAndJudgesAsTheLauncherDoes();
    void stopEndsTheRunJudgedOnWhatRan();
    void badFileIsRefusedBeforeAnythingStarts();

private:
    QTemporaryDir m_dir;
};

void tst_ScenarioPlay::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
    QVERIFY(m_dir.isValid());
}

void tst_ScenarioPlay::playsInThePanesAndJudgesAsTheLauncherDoes()
{
    MainWindow window({}, test::scratchSettings(m_dir));
    FarmWorkspace &workspace = window.workspace();
    const auto stopFarm = qScopeGuard([&] {
        const QString left = test::stopFarmLeavingNothing(workspace);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    });
    window.show();
    // A farm of the user's runs already: the scenario's replaces it.
    QVERIFY(test::launchOnFreePorts(workspace, 3));

    QVERIFY(window.runScenario(QStringLiteral("classic-two-nodes")));
    ScenarioPlay *play = window.scenarioPlay();
    QVERIFY(play);
    QSignalSpy finished(play, &ScenarioPlay::finished);
    QSignalSpy narrated(play, &ScenarioPlay::narrated);
    ScenarioStatus *status = window.scenarioStatus();
    QVERIFY(status->isVisible());
    QVERIFY(status->stopButton()->isVisible());
    QCOMPARE(status->progressBar()->maximum(), play->stepCount());
    QTRY_COMPARE_WITH_TIMEOUT(workspace.paneCount(), 2, 30000);
    QCOMPARE(workspace.pane(0)->name(), QStringLiteral("alice"));
    QCOMPARE(workspace.pane(1)->name(), QStringLiteral("bob"));
    QVERIFY(workspace.pane(0)->nodeId() != workspace.pane(1)->nodeId());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);

    const QString summary = finished.first().at(1).toString();
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(summary));
    const qsizetype expectations = play->report()->expectations.size();
    QVERIFY(expectations >= 3);
    QVERIFY2(summary.contains(QStringLiteral("%1 of %1 expectations held").arg(expectations)),
        qPrintable(summary));
    QVERIFY(status->text().contains(u"passed"));
    // The status bar said each step as it ran, and ends on the verdict.
    QStringList said;
    for (const QList<QVariant> &line : std::as_const(narrated))
        said << line.at(1).toString();
    for (const ScenarioStep &step : play->scenario().steps) {
        if (step.kind != ScenarioStep::Kind::Phase)
            QVERIFY2(said.contains(step.describe()), qPrintable(step.describe()));
    }
    QCOMPARE(window.statusMessage(), summary);
    QVERIFY(!status->stopButton()->isVisible());
    // The window's matrix is the run's: 20 messages, judged there too.
    QCOMPARE(workspace.tracker().rowCount(), 20);
    QCOMPARE(play->report()->rows.size(), 20);
    // A mode the scenario switched is the window's mode too.
    QCOMPARE(workspace.mode(), BackplaneMode::PubSub);
    QCOMPARE(workspace.supervisor().backplane(), BackplaneMode::PubSub);
    // The farm stays up for a look around; Export session carries the verdict.
    QCOMPARE(workspace.supervisor().state(), FarmState::Running);
    const QString path = m_dir.filePath(QStringLiteral("played.json"));
    QVERIFY(window.exportSession(path));
    QFile json(path);
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject report = QJsonDocument::fromJson(json.readAll()).object();
    QCOMPARE(report.value(u"passed").toBool(), true);
    QCOMPARE(report.value(u"expectations").toArray().size(), expectations);
    QCOMPARE(report.value(u"rows").toArray().size(), 20);
    // A farm that played a scenario is not a session to save: its file replays it.
    const Result<QString> saved
        = window.saveSessionAsScenario(m_dir.filePath(QStringLiteral("played-again.json")));
    QVERIFY(!saved);
    QVERIFY2(saved.error().contains(u"its own file replays it"), qPrintable(saved.error()));
}

void tst_ScenarioPlay::stopEndsTheRunJudgedOnWhatRan()
{
    MainWindow window({}, test::scratchSettings(m_dir));
    FarmWorkspace &workspace = window.workspace();
    const auto stopFarm = qScopeGuard([&] {
        const QString left = test::stopFarmLeavingNothing(workspace);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    });
    window.show();
    QVERIFY(window.runScenario(QStringLiteral("redis-restart-streams")));
    ScenarioPlay *play = window.scenarioPlay();
    QSignalSpy finished(play, &ScenarioPlay::finished);
    QTRY_VERIFY_WITH_TIMEOUT(play->currentStep() >= 2, 30000);
    QTest::mouseClick(window.scenarioStatus()->stopButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY2(finished.first().at(1).toString().contains(u"stopped by the user at step"),
        qPrintable(finished.first().at(1).toString()));
    QVERIFY(play->report()->error.contains(u"stopped by the user"));
    QVERIFY(window.scenarioStatus()->text().contains(u"failed"));
    QCOMPARE(workspace.supervisor().state(), FarmState::Running);
}

void tst_ScenarioPlay::badFileIsRefusedBeforeAnythingStarts()
{
    MainWindow window({}, test::scratchSettings(m_dir));
    window.show();
    const QString path = m_dir.filePath(QStringLiteral("bad.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"farmchat-scenario": 1, "name": "bad", "farm": {"nodes": 2},
        "clients": [{"name": "alice", "node": 0}],
        "steps": [{"send": {"from": "alice", "count": "many"}}]})");
    file.close();
    const Result<void> refused = window.runScenario(path);
    QVERIFY(!refused);
    QVERIFY2(refused.error().contains(u"count"), qPrintable(refused.error()));
    QMessageBox *box = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(
        (box = window.findChild<QMessageBox *>(QStringLiteral("errorBox"))) && box->isVisible(),
        5000);
    QVERIFY(box->text().contains(u"count"));
    QCOMPARE(window.workspace().supervisor().state(), FarmState::Stopped);
    QVERIFY(!window.scenarioPlay());
}

QTEST_MAIN(tst_ScenarioPlay)
#include "tst_scenarioplay.moc"
