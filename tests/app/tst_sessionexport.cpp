// File → Export session: the report of what the user did in the window (the
// panes' messages as the matrix judged them, and what happened to the farm),
// written as HTML with JSON and CSV beside it. A farm of two nodes: a message
// with the backplane off, Redis killed and restarted from the farm, then the
// export.

#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "app/panesession.h"
#include "appfarmfixture.h"
#include "client/deliverytracker.h"
#include "launcher/farmsupervisor.h"
#include "launcher/managedprocess.h"
#include "launcher/redisinstance.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;

class tst_SessionExport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void exportHoldsTheMatrixAndTheTimeline();
};

void tst_SessionExport::exportHoldsTheMatrixAndTheTimeline()
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
    const quint16 base = test::freePortRun(2);
    QVERIFY(base != 0);
    workspace.setNodes(2);
    workspace.setBasePort(base);
    QSignalSpy started(&farm, &FarmSupervisor::started);
    window.launch();
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(workspace, 2), 15000);
    // Off: the message stays on the sender's node, as promised.
    const QSet<int> reached
        = test::panesReached(workspace, 0, QStringLiteral("hello"), 2, 5000, 500);
    QCOMPARE(reached, (QSet<int> {0}));
    const int redis = farm.indexOf(farm.redis()->process());
    farm.killProcess(redis);
    QTRY_VERIFY_WITH_TIMEOUT(!isLive(farm.process(redis)->state()), 10000);
    farm.restartProcessAt(redis);
    QTRY_COMPARE_WITH_TIMEOUT(farm.process(redis)->state(), ProcessState::Healthy, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(workspace.tracker().isSettled(), 5000);

    const QString path = dir.filePath(QStringLiteral("exports/session.html"));
    const auto written = window.exportSession(path);
    QVERIFY2(written, qPrintable(written ? QString() : written.error()));
    QCOMPARE(written->size(), 3);
    QFile json(dir.filePath(QStringLiteral("exports/session.json")));
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject report = QJsonDocument::fromJson(json.readAll()).object();
    QCOMPARE(report.value(u"panes").toArray().size(), 2);
    const QJsonArray rows = report.value(u"rows").toArray();
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0].toObject().value(u"mode").toString(), QStringLiteral("off"));
    QStringList timeline;
    for (const QJsonValue &event : report.value(u"timeline").toArray())
        timeline << event.toObject().value(u"kind").toString() + u' '
                + event.toObject().value(u"text").toString();
    const QString all = timeline.join(u'\n');
    QVERIFY2(all.contains(u"farm running: 2 nodes"), qPrintable(all));
    QVERIFY2(all.contains(QRegularExpression(QStringLiteral("fault redis: (exited|crashed)"))),
        qPrintable(all));
    QVERIFY2(all.contains(u"heal redis: healthy"), qPrintable(all));
    QFile html(path);
    QVERIFY(html.open(QIODevice::ReadOnly));
    const QByteArray page = html.readAll();
    QVERIFY(page.contains("FarmChat session"));
    QVERIFY(page.contains("pane-1") && page.contains("pane-2"));
}

QTEST_MAIN(tst_SessionExport)
#include "tst_sessionexport.moc"
