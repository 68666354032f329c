// The desktop app on a Redis Cluster (--redis-topology cluster), driven
// through its window (offscreen) with real processes on loopback: three
// shards' redis-servers and three farmchat-node processes, node i on shard
// i's primary. The farm bar offers the topology and greys out streams; the
// Faults dock's Redis line becomes the cluster's; killing a shard from the
// dock breaks only the link of the node on it (the others keep crossing),
// and Restart brings it back into the cluster. Closing leaves no process
// behind.
#include "appfarmfixture.h"

#include "app/clustercontrols.h"
#include "app/controlspanel.h"
#include "app/deliverymatrixview.h"
#include "app/farmbar.h"
#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "app/sentinelcontrols.h"
#include "app/topologyview.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QElapsedTimer>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;

namespace {
constexpr int kStartMs = 30000;
constexpr int kNodes = 3;
} // namespace

class tst_ClusterApp : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void viewsShowTheCluster();
    void killingAShardCostsOnlyItsNode();

private:
    bool nodesCarry() const;

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    FarmWorkspace *m_workspace = nullptr;
    QElapsedTimer m_clock;
};

void tst_ClusterApp::initTestCase()
{
    m_clock.start();
    QStandardPaths::setTestModeEnabled(true);
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
    AppOptions options;
    options.backplane = BackplaneMode::PubSub;
    options.redisTopology = RedisTopology::Cluster;
    options.nodes = kNodes;
    options.basePort = test::freePortRun(kNodes);
    QVERIFY2(*options.basePort != 0, "no run of free ports found");
    m_window = std::make_unique<MainWindow>(options, test::scratchSettings(m_dir));
    m_workspace = &m_window->workspace();
    QCOMPARE(m_window->farmBar()->redisTopology(), RedisTopology::Cluster);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    FarmSupervisor &farm = m_workspace->supervisor();
    QSignalSpy started(&farm, &FarmSupervisor::started);
    m_window->launch();
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kStartMs);
    QVERIFY(farm.cluster());
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, kNodes), kStartMs);
    qInfo("cluster farm of %d nodes up, panes connected, after %lld ms", kNodes,
        qint64(m_clock.elapsed()));
}

void tst_ClusterApp::cleanupTestCase()
{
    if (!m_window)
        return;
    const QString left = test::stopFarmLeavingNothing(*m_workspace);
    m_window.reset();
    QVERIFY2(left.isEmpty(), qPrintable(left));
}

bool tst_ClusterApp::nodesCarry() const
{
    FarmSupervisor &farm = m_workspace->supervisor();
    for (int i = 0; i < farm.nodeCount(); ++i) {
        if (!farm.node(i)->health().carries(BackplaneMode::PubSub))
            return false;
    }
    return true;
}

void tst_ClusterApp::viewsShowTheCluster()
{
    ControlsPanel *controls = m_window->controls();
    ClusterControls *cluster = controls->clusterControls();
    QVERIFY(cluster->isVisible());
    QVERIFY(!controls->sentinelControls()->isVisible());
    QVERIFY(!controls->redisButton(QStringLiteral("stop"))->isVisible());
    QCOMPARE(cluster->stateText(), QStringLiteral("3 of 3 shards up"));
    QCOMPARE(cluster->serverBox()->count(), 3);
    QCOMPARE(
        m_window->topologyView()->clusterLabel(), QStringLiteral("Redis Cluster\n✓ 3/3 shards"));
    QCOMPARE(m_window->redisStatusText(), QStringLiteral("Redis Cluster: 3 of 3 shards up"));
    // Streams cannot run here, and the choices say why.
    for (QAbstractButton *mode : controls->findChildren<QAbstractButton *>()) {
        if (mode->text().remove(u'&') == u"Streams") {
            QVERIFY(!mode->isEnabled());
            QVERIFY2(mode->toolTip().contains(u"shard"), qPrintable(mode->toolTip()));
        }
    }
    QTRY_VERIFY_WITH_TIMEOUT(nodesCarry(), 10000);
    const QSet<int> reached
        = test::panesReached(*m_workspace, 0, QStringLiteral("over the cluster"), kNodes, 5000);
    QCOMPARE(reached.size(), kNodes);
}

void tst_ClusterApp::killingAShardCostsOnlyItsNode()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    ClusterControls *cluster = m_window->controls()->clusterControls();
    TopologyView *view = m_window->topologyView();
    cluster->serverBox()->setCurrentIndex(1); // S2, node 1's shard
    const int shard2 = farm.processIndexOfShard(1, false);
    QCOMPARE(farm.nodeShard(1), 1);
    QTest::mouseClick(cluster->button(QStringLiteral("kill")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!isLive(farm.process(shard2)->state()), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(cluster->stateText(), QStringLiteral("2 of 3 shards up"), 2000);
    QCOMPARE(view->clusterLabel(), QStringLiteral("Redis Cluster\n✕ 2/3 shards"));
    const Result<void> link = view->checkLink(1);
    QVERIFY(!link);
    QVERIFY2(link.error().contains(u"redis-shard-2"), qPrintable(link.error()));
    QVERIFY(view->checkLink(0));
    // The nodes on the other shards still cross: node 0's message reaches
    // node 2's pane, not node 1's, and the matrix knows node 1 is cut off
    // (its /health says so): a miss pub/sub documents, not a broken promise.
    QTRY_VERIFY_WITH_TIMEOUT(!farm.node(1)->health().redisConnected, 5000);
    const QSet<int> reached
        = test::panesReached(*m_workspace, 0, QStringLiteral("one shard down"), kNodes, 5000, 1500);
    QCOMPARE(reached, (QSet<int> {0, 2}));
    // Judged once the grace for late arrivals has passed.
    QString totals;
    QTRY_VERIFY2_WITH_TIMEOUT(
        (totals = m_window->matrixView()->totalsText())
            .contains(u"1 missed by a pane whose node was down or cut off from Redis"),
        qPrintable(totals), 15000);
    QVERIFY2(!totals.contains(u"broke the promise"), qPrintable(totals));

    QTest::mouseClick(cluster->button(QStringLiteral("restart")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(farm.process(shard2)->state(), ProcessState::Healthy, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(cluster->stateText(), QStringLiteral("3 of 3 shards up"), 2000);
    QTRY_VERIFY_WITH_TIMEOUT(nodesCarry(), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(
        test::panesReached(*m_workspace, 0, QStringLiteral("shard back"), kNodes, 3000).size(),
        kNodes, 15000);
}

QTEST_MAIN(tst_ClusterApp)
#include "tst_clusterapp.moc"
