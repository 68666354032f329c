// The desktop app on a farm of ASP.NET Core SignalR nodes (--node-kind
// aspnetcore), driven through its window (offscreen) with real processes on
// loopback: a private redis-server and two farmchat-aspnetcore-node
// processes with Microsoft's Redis backplane. The farm bar and the Faults
// dock offer what these nodes have (no streams, a switch that restarts
// them); a message crosses with pub/sub; switching off from the dock
// restarts both nodes, the panes reconnect, and a message then stays on its
// node. Closing leaves no process behind.
#include "appfarmfixture.h"

#include "app/controlspanel.h"
#include "app/farmbar.h"
#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace farmchat;

namespace {

constexpr int kNodes = 2;
// Two .NET processes starting together on a loaded two-core machine.
constexpr int kStartMs = 60000;

} // namespace

class tst_AspNetCoreApp : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void viewsOfferWhatTheNodesHave();
    void messageCrossesWithPubSub();
    void switchingOffRestartsTheNodes();

private:
    // Pane `from` sends `text`; the panes it reached within `ms` (after
    // every sender's own pane has it, plus `settleMs` for the others).
    QSet<int> panesReached(int from, const QString &text, int ms, int settleMs = 0);

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    FarmWorkspace *m_workspace = nullptr;
    QElapsedTimer m_clock;
};

void tst_AspNetCoreApp::initTestCase()
{
    m_clock.start();
    QStandardPaths::setTestModeEnabled(true);
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
    QVERIFY2(QFile::exists(qEnvironmentVariable("FARMCHAT_ASPNETCORE_NODE_BIN")),
        "FARMCHAT_ASPNETCORE_NODE_BIN must name the published ASP.NET Core node (run through "
        "ctest, on a build configured with the .NET SDK)");
    AppOptions options;
    options.nodeKind = NodeKind::AspNetCore;
    options.backplane = BackplaneMode::PubSub;
    options.nodes = kNodes;
    options.basePort = test::freePortRun(kNodes);
    QVERIFY2(*options.basePort != 0, "no run of free ports found");
    m_window = std::make_unique<MainWindow>(options, test::scratchSettings(m_dir));
    m_workspace = &m_window->workspace();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    FarmSupervisor &farm = m_workspace->supervisor();
    QSignalSpy started(&farm, &FarmSupervisor::started);
    m_window->launch();
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kStartMs);
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, kNodes), kStartMs);
    for (int i = 0; i < kNodes; ++i)
        QVERIFY(farm.node(i)->process()->program().endsWith(u"farmchat-aspnetcore-node"));
    qInfo("ASP.NET Core farm of %d nodes up, panes connected, after %lld ms", kNodes,
        qint64(m_clock.elapsed()));
}

void tst_AspNetCoreApp::cleanupTestCase()
{
    if (!m_window)
        return;
    const QString left = test::stopFarmLeavingNothing(*m_workspace);
    m_window.reset();
    QVERIFY2(left.isEmpty(), qPrintable(left));
    qInfo("whole test %lld ms", qint64(m_clock.elapsed()));
}

QSet<int> tst_AspNetCoreApp::panesReached(int from, const QString &text, int ms, int settleMs)
{
    return test::panesReached(*m_workspace, from, text, kNodes, ms, settleMs);
}

void tst_AspNetCoreApp::viewsOfferWhatTheNodesHave()
{
    FarmBar *bar = m_window->farmBar();
    QCOMPARE(bar->nodeKind(), NodeKind::AspNetCore);
    QVERIFY(!bar->nodeKindCombo()->isEnabled()); // chosen before a launch
    ControlsPanel *controls = m_window->controls();
    QVERIFY(!controls->modeButton(BackplaneMode::Streams)->isEnabled());
    QVERIFY(controls->modeButton(BackplaneMode::Off)->isEnabled());
    auto *note = controls->findChild<QLabel *>(QStringLiteral("restartNote"));
    QVERIFY(note && note->isVisible());
}

void tst_AspNetCoreApp::messageCrossesWithPubSub()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    for (int i = 0; i < kNodes; ++i)
        QTRY_VERIFY_WITH_TIMEOUT(farm.node(i)->health().carries(BackplaneMode::PubSub), 10000);
    QCOMPARE(
        panesReached(0, QStringLiteral("from the first ASP.NET Core node"), 10000).size(), kNodes);
    QCOMPARE(panesReached(1, QStringLiteral("and back"), 10000).size(), kNodes);
    // What the user sees now, kept in the build tree (and for docs/APP.md with
    // FARMCHAT_UPDATE_SCREENSHOT=1).
    // Each node counts its pane (its /health, polled once a second).
    for (int i = 0; i < kNodes; ++i)
        QTRY_COMPARE_WITH_TIMEOUT(farm.node(i)->health().clients, 1, 5000);
    QTest::qWait(500); // the topology's last tokens land
    const QImage shot = m_window->grab().toImage();
    QVERIFY(!shot.isNull());
    const QString artifact = QDir(qEnvironmentVariable("FARMCHAT_BINARY_DIR", QDir::currentPath()))
                                 .filePath(QStringLiteral("tests/app/farmchat-aspnetcore.png"));
    QDir().mkpath(QFileInfo(artifact).absolutePath());
    QVERIFY2(shot.save(artifact), qPrintable(artifact));
    qInfo("screenshot: %s", qPrintable(artifact));
    if (qEnvironmentVariable("FARMCHAT_UPDATE_SCREENSHOT") == QLatin1String("1")) {
        const QString docs = QDir(qEnvironmentVariable("FARMCHAT_SOURCE_DIR"))
                                 .filePath(QStringLiteral("docs/screenshot-aspnetcore.png"));
        QVERIFY2(shot.save(docs), qPrintable(docs));
    }
}

void tst_AspNetCoreApp::switchingOffRestartsTheNodes()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    QList<qint64> before;
    for (int i = 0; i < kNodes; ++i)
        before << farm.node(i)->process()->pid();
    std::optional<Result<void>> switched;
    const auto finished = connect(&farm, &FarmSupervisor::backplaneRequestFinished, this,
        [&switched](BackplaneMode, int, const Result<void> &result) { switched = result; });
    m_window->controls()->modeButton(BackplaneMode::Off)->click();
    QTRY_VERIFY_WITH_TIMEOUT(switched.has_value(), kStartMs);
    disconnect(finished);
    QVERIFY2(switched->ok(), qPrintable(switched->ok() ? QString() : switched->error()));
    QCOMPARE(m_workspace->mode(), BackplaneMode::Off);
    QVERIFY2(m_window->statusBar()->currentMessage().contains(QStringLiteral("restarted")),
        qPrintable(m_window->statusBar()->currentMessage()));
    for (int i = 0; i < kNodes; ++i) {
        QVERIFY(farm.node(i)->process()->pid() != before[i]);
        QTRY_VERIFY_WITH_TIMEOUT(farm.node(i)->health().carries(BackplaneMode::Off), 10000);
    }
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, kNodes), kStartMs);
    // Off: each message stays on its node.
    QCOMPARE(panesReached(0, QStringLiteral("only here"), 10000, 1000), QSet<int> {0});
    QCOMPARE(panesReached(1, QStringLiteral("and only here"), 10000, 1000), QSet<int> {1});
}

QTEST_MAIN(tst_AspNetCoreApp)
#include "tst_aspnetcoreapp.moc"
