// The desktop app's link faults, driven through its window (offscreen) on a
// real farm (redis-server and two farmchat-node processes, each node's Redis
// link through its own proxy): the Faults dock's "Links…" popup sets
// latency and a partition on node 2's link; the topology writes the fault on
// that link or draws it broken; messages from node 1 reach node 2 late, then
// not at all, then (healed) the held ones arrive. Farm ▸ Add node and Remove
// node scale it while it runs: every view follows, and the new node has its
// own link proxy. Closing leaves no process.
#include "appfarmfixture.h"

#include "app/controlspanel.h"
#include "app/farmworkspace.h"
#include "app/linkfaultcontrols.h"
#include "app/mainwindow.h"
#include "app/panegrid.h"
#include "app/panesession.h"
#include "app/topologyview.h"
#include "launcher/farmnode.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <algorithm>

using namespace farmchat;

namespace {

constexpr int kStartMs = 30000;
constexpr int kNodes = 2;

} // namespace

class tst_LinkFaultsApp : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void linksButtonOpensThePopup();
    void latencyIsDrawnAndDelaysDeliveries();
    void partitionHoldsMessagesUntilHealed();
    void scalesFromTheFarmMenu();

private:
    LinkFaultControls *links() const { return m_window->controls()->linkControls(); }
    LinkFault faultOfNode2() const
    {
        return m_workspace->supervisor().links()->fault(1, NodeLink::Redis);
    }

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    FarmWorkspace *m_workspace = nullptr;
};

void tst_LinkFaultsApp::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
    AppOptions options;
    options.backplane = BackplaneMode::PubSub;
    options.nodes = kNodes;
    options.basePort = test::freePortRun(kNodes);
    QVERIFY2(*options.basePort != 0, "no run of free ports found");
    m_window = std::make_unique<MainWindow>(options, test::scratchSettings(m_dir));
    m_workspace = &m_window->workspace();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(!m_window->controls()->linksButton()->isEnabled()); // nothing runs yet
    QSignalSpy started(&m_workspace->supervisor(), &FarmSupervisor::started);
    m_window->launch();
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kStartMs);
    QVERIFY2(m_workspace->supervisor().links(), "the app starts a single-Redis farm without links");
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, kNodes), kStartMs);
}

void tst_LinkFaultsApp::cleanupTestCase()
{
    if (!m_window)
        return;
    const QString left = test::stopFarmLeavingNothing(*m_workspace);
    m_window.reset();
    QVERIFY2(left.isEmpty(), qPrintable(left));
}

void tst_LinkFaultsApp::linksButtonOpensThePopup()
{
    QToolButton *button = m_window->controls()->linksButton();
    QTRY_VERIFY_WITH_TIMEOUT(button->isEnabled(), 5000);
    QCOMPARE(button->text(), QStringLiteral("Links…"));
    QVERIFY(!links()->isVisible());
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(links()->isVisible(), 2000);
    QCOMPARE(links()->nodeBox()->count(), kNodes);
    QCOMPARE(links()->linkBox()->count(), 1); // no balancer: the Redis link only
    QVERIFY(links()->latencySpin()->isEnabled());
    QCOMPARE(links()->summaryText(), QStringLiteral("every link healthy"));
}

void tst_LinkFaultsApp::latencyIsDrawnAndDelaysDeliveries()
{
    links()->nodeBox()->setCurrentIndex(1);
    links()->latencySpin()->setValue(300);
    QCOMPARE(faultOfNode2().down.latencyMs, 300);
    QCOMPARE(faultOfNode2().up.latencyMs, 300);
    TopologyView *topology = m_window->topologyView();
    QVERIFY2(topology->linkFaultCaption(1).contains(QStringLiteral("300")),
        qPrintable(topology->linkFaultCaption(1)));
    QCOMPARE(topology->linkFaultCaption(0), QString());
    // Slow, not broken (once the nodes' first /health after the start said Redis is up).
    QTRY_VERIFY_WITH_TIMEOUT(topology->checkLink(1), 5000);
    QCOMPARE(m_window->controls()->linksButton()->text(), QStringLiteral("Links (1)…"));
    QVERIFY2(
        links()->summaryText().contains(QStringLiteral("300")), qPrintable(links()->summaryText()));

    // From node 1 to node 2's pane: Redis to node 2 is 300 ms away.
    QElapsedTimer clock;
    clock.start();
    QCOMPARE(test::panesReached(*m_workspace, 0, QStringLiteral("slow link"), kNodes, 10000).size(),
        kNodes);
    QVERIFY2(clock.elapsed() >= 300, qPrintable(QString::number(clock.elapsed())));

    links()->latencySpin()->setValue(0);
    QVERIFY(faultOfNode2().isHealthy());
    QCOMPARE(topology->linkFaultCaption(1), QString());
    QCOMPARE(m_window->controls()->linksButton()->text(), QStringLiteral("Links…"));
}

void tst_LinkFaultsApp::partitionHoldsMessagesUntilHealed()
{
    links()->nodeBox()->setCurrentIndex(1);
    links()->partitionBox()->setChecked(true);
    QVERIFY(faultOfNode2().partitioned);
    const Result<void> link = m_window->topologyView()->checkLink(1);
    QVERIFY(!link);
    QVERIFY2(link.error().contains(QStringLiteral("partitioned")), qPrintable(link.error()));

    // Node 1's own pane has it; node 2's does not while the link is cut.
    QSignalSpy seen(m_workspace, &FarmWorkspace::messageSeen);
    const auto reachedNode2 = [&seen] {
        return std::any_of(seen.cbegin(), seen.cend(), [](const QList<QVariant> &arguments) {
            return arguments.at(0).toInt() == 0 && arguments.at(1).toInt() == 1;
        });
    };
    const QSet<int> reached
        = test::panesReached(*m_workspace, 0, QStringLiteral("held"), kNodes, 5000, 1000);
    QCOMPARE(reached, QSet<int>({0}));
    QVERIFY(!reachedNode2());
    QTest::mouseClick(links()->healButton(), Qt::LeftButton);
    // What the partition held is delivered once it heals, as TCP would.
    QTRY_VERIFY_WITH_TIMEOUT(reachedNode2(), 5000);
    QVERIFY(faultOfNode2().isHealthy());
    QVERIFY(!links()->partitionBox()->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->topologyView()->checkLink(1), 5000);
    QCOMPARE(
        test::panesReached(*m_workspace, 1, QStringLiteral("after"), kNodes, 10000).size(), kNodes);
}

void tst_LinkFaultsApp::scalesFromTheFarmMenu()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    QAction *add = m_window->action(QStringLiteral("addNode"));
    QVERIFY(add && add->isEnabled());
    QSignalSpy added(m_workspace, &FarmWorkspace::paneAdded);
    add->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(added.count(), 1, kStartMs);
    QCOMPARE(farm.nodeCount(), kNodes + 1);
    QCOMPARE(m_window->paneGrid()->paneCount(), kNodes + 1);
    QCOMPARE(links()->nodeBox()->count(), kNodes + 1);
    QVERIFY(farm.links()->has(kNodes, NodeLink::Redis)); // a proxy of its own
    // Drawn whole once the new node's /health says it reached Redis (its
    // first answer may come before its backplane connected).
    QTRY_VERIFY_WITH_TIMEOUT(m_window->topologyView()->checkLink(kNodes), 5000);
    QVERIFY(m_window->controls()->cutOffBox(kNodes));
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, kNodes + 1), kStartMs);
    QCOMPARE(test::panesReached(*m_workspace, kNodes, QStringLiteral("joined"), kNodes + 1, 10000)
                 .size(),
        kNodes + 1);

    const QString leaving = farm.node(0)->name();
    auto *remove = m_window->findChild<QAction *>(QStringLiteral("removeNode-") + leaving);
    QVERIFY(remove);
    QSignalSpy removed(&farm, &FarmSupervisor::nodeRemoveFinished);
    remove->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(removed.count(), 1, 15000);
    QCOMPARE(farm.nodeCount(), kNodes);
    QCOMPARE(links()->nodeBox()->count(), kNodes);
    QVERIFY(!m_window->findChild<QAction *>(QStringLiteral("removeNode-") + leaving));
    QVERIFY(!m_window->controls()->cutOffBox(kNodes));
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, kNodes + 1), kStartMs);
    QVERIFY(m_workspace->pane(0)->nodeId() != leaving); // it moved
    const QString moved = QStringLiteral("from the pane that moved");
    m_workspace->sendFrom(0, moved);
    for (int pane = 0; pane < kNodes + 1; ++pane)
        QTRY_VERIFY_WITH_TIMEOUT(test::paneHasText(*m_workspace, pane, moved), 10000);
}

QTEST_MAIN(tst_LinkFaultsApp)
#include "tst_linkfaultsapp.moc"
