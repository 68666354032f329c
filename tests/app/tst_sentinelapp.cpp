// The desktop app on a Sentinel-managed Redis (--redis-topology sentinel),
// driven through its window (offscreen) with real processes on loopback: a
// primary, a replica, three Sentinels and farmchat-node processes. The
// topology draws both servers with the roles the Sentinels give them and the
// three Sentinels; the Faults dock's Redis line fits at 1280×720 with four
// nodes; pausing the primary toggles to Resume; killing the primary from
// the dock swaps the roles in the topology and the status bar, and the nodes
// carry messages again through the new primary; two Sentinels down is said
// plainly, and Restart brings them back. Closing leaves no process behind.
#include "appfarmfixture.h"
#include "windowfit.h"

#include "app/controlspanel.h"
#include "app/farmbar.h"
#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "app/panegrid.h"
#include "app/sentinelcontrols.h"
#include "app/sentinelwatch.h"
#include "app/topologyview.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/sentinelgroup.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace farmchat;

namespace {

constexpr int kStartMs = 30000;
// down-after (1 s) + election + every node's links moved to the new primary.
constexpr int kFailoverMs = 15000;
constexpr int kNodes = 8; // the widest Faults dock there is

} // namespace

class tst_SentinelApp : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void topologyDrawsServersAndSentinels();
    void redisLineFitsWithEightNodes();
    void pauseTogglesToResume();
    void killingThePrimaryFromTheDockFailsOver();
    void twoSentinelsDownIsSaidPlainly();

private:
    // Pane 0 sends; true when every pane got it within `ms`.
    bool sendReachesEveryPane(const QString &text, int ms);
    bool nodesCarry() const;

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    FarmWorkspace *m_workspace = nullptr;
    QElapsedTimer m_clock;
};

void tst_SentinelApp::initTestCase()
{
    m_clock.start();
    QStandardPaths::setTestModeEnabled(true);
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
    AppOptions options;
    options.backplane = BackplaneMode::PubSub;
    options.redisTopology = RedisTopology::Sentinel;
    options.nodes = kNodes;
    options.basePort = test::freePortRun(kNodes);
    QVERIFY2(*options.basePort != 0, "no run of free ports found");
    m_window = std::make_unique<MainWindow>(options, test::scratchSettings(m_dir));
    m_workspace = &m_window->workspace();
    QCOMPARE(m_workspace->redisTopology(), RedisTopology::Sentinel);
    QCOMPARE(m_window->farmBar()->redisTopology(), RedisTopology::Sentinel);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    FarmSupervisor &farm = m_workspace->supervisor();
    QSignalSpy started(&farm, &FarmSupervisor::started);
    m_window->launch();
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kStartMs);
    QVERIFY(farm.sentinels());
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, kNodes), kStartMs);
    qInfo("sentinel farm of %d nodes up, panes connected, after %lld ms", kNodes,
        qint64(m_clock.elapsed()));
}

void tst_SentinelApp::cleanupTestCase()
{
    if (!m_window)
        return;
    const QString left = test::stopFarmLeavingNothing(*m_workspace);
    m_window.reset();
    QVERIFY2(left.isEmpty(), qPrintable(left));
    qInfo("whole test %lld ms", qint64(m_clock.elapsed()));
}

bool tst_SentinelApp::nodesCarry() const
{
    FarmSupervisor &farm = m_workspace->supervisor();
    for (int i = 0; i < farm.nodeCount(); ++i) {
        if (!farm.node(i)->health().carries(BackplaneMode::PubSub))
            return false;
    }
    return true;
}

bool tst_SentinelApp::sendReachesEveryPane(const QString &text, int ms)
{
    return test::panesReached(*m_workspace, 0, text, kNodes, ms).size() == kNodes;
}

void tst_SentinelApp::topologyDrawsServersAndSentinels()
{
    TopologyView *view = m_window->topologyView();
    SentinelWatch &watch = m_workspace->sentinelWatch();
    QVERIFY(watch.isActive());
    QCOMPARE(watch.sentinelCount(), SentinelGroup::kSentinels);
    // The Sentinels' view, asked over the network, arrives within a poll or two.
    QTRY_COMPARE_WITH_TIMEOUT(view->serverRole(0), QStringLiteral("primary"), 5000);
    QCOMPARE(view->serverRole(1), QStringLiteral("replica"));
    QTRY_VERIFY_WITH_TIMEOUT(watch.hasQuorum(), 5000);
    for (int i = 0; i < SentinelGroup::kSentinels; ++i)
        QTRY_VERIFY_WITH_TIMEOUT(watch.isReachable(i), 5000);
    QCOMPARE(view->sentinelCaption(), QStringLiteral("Sentinels: quorum ok"));
    QVERIFY2(m_window->redisStatusText().contains(QStringLiteral("primary redis :")),
        qPrintable(m_window->redisStatusText()));
    // The single server's Redis line gives way to the Sentinel farm's.
    ControlsPanel *controls = m_window->controls();
    QVERIFY(controls->sentinelControls()->isVisible());
    QVERIFY(!controls->redisButton(QStringLiteral("stop"))->isVisible());
    // No link proxies here, and the Links button says why.
    QVERIFY(!m_workspace->supervisor().links());
    QVERIFY(!controls->linksButton()->isEnabled());
    QVERIFY2(controls->linksButton()->toolTip().contains(QStringLiteral("Sentinel")),
        qPrintable(controls->linksButton()->toolTip()));
    QTRY_VERIFY_WITH_TIMEOUT(nodesCarry(), 10000);
    QVERIFY(sendReachesEveryPane(QStringLiteral("before the failover"), 5000));
}

void tst_SentinelApp::redisLineFitsWithEightNodes()
{
    // The Sentinel line is the widest of the Faults dock: at 1280×720 with
    // eight nodes it and every node's controls are still in view.
    const QSize before = m_window->size();
    const auto restoreSize = qScopeGuard([&] { m_window->resize(before); });
    m_window->resize(1280, 720);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->size(), QSize(1280, 720), 2000);
    ControlsPanel *controls = m_window->controls();
    SentinelControls *redis = controls->sentinelControls();
    QList<QWidget *> wanted {redis->sentinelBox()};
    for (const char *what : {"kill", "pause", "failover", "kill-sentinel", "restart"})
        wanted << redis->button(QLatin1StringView(what));
    for (int node = 0; node < kNodes; ++node)
        wanted << controls->nodeButton(node, QStringLiteral("kill"))
               << controls->nodeButton(node, QStringLiteral("restart"))
               << controls->cutOffBox(node);
    for (QToolButton *b : controls->findChildren<QToolButton *>())
        wanted << b; // the guided demo
    QString outOfView;
    QTRY_VERIFY2_WITH_TIMEOUT((outOfView = test::controlOutOfView(*m_window, wanted)).isEmpty(),
        qPrintable(outOfView), 2000);
}

void tst_SentinelApp::pauseTogglesToResume()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    SentinelControls *redis = m_window->controls()->sentinelControls();
    QPushButton *pause = redis->button(QStringLiteral("pause"));
    const int primary = m_workspace->sentinelWatch().serverProcess(0);
    QVERIFY(pause->isEnabled());
    // Paused and resumed well within down-after: a hang the Sentinels forgive.
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(farm.isProcessPaused(primary));
    QCOMPARE(pause->text(), QStringLiteral("Resume"));
    QVERIFY2(redis->stateText().contains(QStringLiteral("⏸ redis paused")),
        qPrintable(redis->stateText()));
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(!farm.isProcessPaused(primary));
    QCOMPARE(pause->text(), QStringLiteral("Pause"));
    QCOMPARE(farm.process(primary)->state(), ProcessState::Healthy);
}

void tst_SentinelApp::killingThePrimaryFromTheDockFailsOver()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    TopologyView *view = m_window->topologyView();
    SentinelControls *redis = m_window->controls()->sentinelControls();
    QTRY_COMPARE_WITH_TIMEOUT(view->serverRole(0), QStringLiteral("primary"), 5000);
    const int oldPrimary = m_workspace->sentinelWatch().serverProcess(0);
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(redis->button(QStringLiteral("kill")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!isLive(farm.process(oldPrimary)->state()), 5000);
    // The Sentinels promote the replica: the topology's labels swap.
    QTRY_COMPARE_WITH_TIMEOUT(view->serverRole(1), QStringLiteral("primary"), kFailoverMs);
    QCOMPARE(view->serverRole(0), QStringLiteral("replica"));
    const qint64 swapped = clock.elapsed();
    QVERIFY2(m_window->redisStatusText().contains(QStringLiteral("primary redis-replica :")),
        qPrintable(m_window->redisStatusText()));
    // Every node is on the new primary and a message reaches every pane again.
    QTRY_VERIFY_WITH_TIMEOUT(nodesCarry(), kFailoverMs);
    const qint64 carrying = clock.elapsed();
    QVERIFY(sendReachesEveryPane(QStringLiteral("after the failover"), 5000));
    qInfo("primary killed from the dock: roles swapped after %lld ms, nodes carry after %lld ms",
        swapped, carrying);
    // Restart brings the old primary back; the Sentinels keep it a replica.
    QPushButton *restart = redis->button(QStringLiteral("restart"));
    QVERIFY(restart->isEnabled());
    QTest::mouseClick(restart, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(farm.process(oldPrimary)->state(), ProcessState::Healthy, kStartMs);
    QTRY_VERIFY_WITH_TIMEOUT(!restart->isEnabled(), 5000);
    QCOMPARE(view->serverRole(1), QStringLiteral("primary"));
}

void tst_SentinelApp::twoSentinelsDownIsSaidPlainly()
{
    SentinelControls *redis = m_window->controls()->sentinelControls();
    TopologyView *view = m_window->topologyView();
    SentinelWatch &watch = m_workspace->sentinelWatch();
    QTRY_VERIFY_WITH_TIMEOUT(watch.hasQuorum(), 10000);
    for (const int sentinel : {0, 1}) {
        redis->sentinelBox()->setCurrentIndex(sentinel);
        QTest::mouseClick(redis->button(QStringLiteral("kill-sentinel")), Qt::LeftButton);
    }
    QTRY_VERIFY_WITH_TIMEOUT(!watch.hasQuorum(), 10000);
    QVERIFY2(view->sentinelCaption().contains(QStringLiteral("no Sentinel quorum")),
        qPrintable(view->sentinelCaption()));
    QTRY_VERIFY2_WITH_TIMEOUT(
        m_window->redisStatusText().contains(QStringLiteral("Sentinel quorum lost")),
        qPrintable(m_window->redisStatusText()), 2000);
    QVERIFY2(
        redis->stateText().contains(QStringLiteral("no quorum")), qPrintable(redis->stateText()));
    QTest::mouseClick(redis->button(QStringLiteral("restart")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(watch.hasQuorum(), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(
        view->sentinelCaption(), QStringLiteral("Sentinels: quorum ok"), 2000);
}

QTEST_MAIN(tst_SentinelApp)
#include "tst_sentinelapp.moc"
