// The desktop app behind a real load balancer, driven through its window
// (offscreen): a farm of farmchat-node processes, a private redis-server and
// HAProxy in front. Every pane connects to the balancer's URL and its header
// names the node it landed on; a reconnect that lands elsewhere shows there.
// The topology's client lines and sessions per node match HAProxy's show
// stat; drain / maint / ready from the Faults dock go through its runtime
// API; round-robin without stickiness is explained in the pane, and skip
// negotiation connects through it; the guided demo tells the balancer's
// story. Closing leaves no process, haproxy included.
#include "appfarmfixture.h"
#include "windowfit.h"

#include "app/chatpane.h"
#include "app/controlspanel.h"
#include "app/deliverymatrixmodel.h"
#include "app/deliverymatrixview.h"
#include "app/farmbar.h"
#include "app/farmworkspace.h"
#include "app/guideddemo.h"
#include "app/mainwindow.h"
#include "app/panegrid.h"
#include "app/panesession.h"
#include "app/topologyview.h"
#include "launcher/executablelocator.h"
#include "launcher/farmnode.h"
#include "launcher/haproxyinstance.h"
#include "launcher/managedprocess.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QImage>
#include <QPixmap>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;

namespace {

constexpr int kStartMs = 30000;
constexpr int kMoveMs = 15000;

} // namespace

class tst_LoadBalancer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void panesConnectThroughTheBalancer();
    void headerFollowsAReconnectToAnotherNode();
    void topologyDrawsTheBalancerAndItsSessions();
    void faultsDockDrainsMaintainsAndReadies();
    void faultsDockFits_data();
    void faultsDockFits();
    void guidedDemoTellsTheBalancerStory();
    void roundRobinWithoutStickinessIsExplained();
    void skipNegotiationConnectsThroughRoundRobin();

private:
    // Stops whatever runs and launches `nodes` nodes behind `policy`.
    void relaunch(int nodes, LbPolicy policy, bool skipNegotiation);
    // Node index pane `pane` is served by now (-1: unknown).
    int nodeOfPane(int pane) const;

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    FarmWorkspace *m_workspace = nullptr;
    QList<qint64> m_pids;
};

void tst_LoadBalancer::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
    const auto haproxy = ExecutableLocator::haproxy({});
    QVERIFY2(haproxy, qPrintable(haproxy.error()));
    AppOptions options;
    options.backplane = BackplaneMode::PubSub;
    m_window = std::make_unique<MainWindow>(options, test::scratchSettings(m_dir));
    m_workspace = &m_window->workspace();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void tst_LoadBalancer::cleanupTestCase()
{
    if (!m_window)
        return;
    m_pids << test::farmPids(m_workspace->supervisor());
    m_workspace->stop();
    QTRY_COMPARE_WITH_TIMEOUT(m_workspace->supervisor().state(), FarmState::Stopped, 15000);
    m_window.reset();
    for (const qint64 pid : std::as_const(m_pids))
        QTRY_VERIFY2_WITH_TIMEOUT(!test::processAlive(pid),
            qPrintable(QStringLiteral("process %1 outlived the farm").arg(pid)), 5000);
}

void tst_LoadBalancer::relaunch(int nodes, LbPolicy policy, bool skipNegotiation)
{
    FarmSupervisor &farm = m_workspace->supervisor();
    if (farm.state() != FarmState::Stopped) {
        m_pids << test::farmPids(farm);
        m_workspace->stop();
        QTRY_COMPARE_WITH_TIMEOUT(farm.state(), FarmState::Stopped, 15000);
    }
    const quint16 base = test::freePortRun(nodes);
    QVERIFY2(base != 0, "no run of free ports found");
    m_workspace->setNodes(nodes);
    m_workspace->setBasePort(base);
    m_workspace->setLoadBalancer(policy);
    m_workspace->setSkipNegotiation(skipNegotiation);
    QSignalSpy started(&farm, &FarmSupervisor::started);
    m_window->launch();
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kStartMs);
    QVERIFY(farm.loadBalancer());
    QCOMPARE(m_workspace->paneCount(), nodes);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->paneGrid()->paneCount(), nodes, 5000);
}

int tst_LoadBalancer::nodeOfPane(int pane) const
{
    return m_workspace->nodeIndexOf(m_workspace->pane(pane)->nodeId());
}

void tst_LoadBalancer::panesConnectThroughTheBalancer()
{
    relaunch(2, LbPolicy::Sticky, false);
    FarmSupervisor &farm = m_workspace->supervisor();
    const QUrl balancer = farm.publicUrl();
    QVERIFY(!balancer.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, 2), kStartMs);
    for (int i = 0; i < 2; ++i) {
        PaneSession *session = m_workspace->pane(i);
        QVERIFY(session->route().viaBalancer);
        QCOMPARE(session->nodeUrl().port(), balancer.port());
        // WhoAmI after the connect names a node of this farm.
        QTRY_VERIFY_WITH_TIMEOUT(nodeOfPane(i) >= 0, 5000);
        ChatPane *chat = m_window->paneGrid()->pane(i);
        QVERIFY(chat);
        QTRY_VERIFY2_WITH_TIMEOUT(
            chat->titleText().startsWith(session->nodeId()), qPrintable(chat->titleText()), 2000);
    }
}

void tst_LoadBalancer::headerFollowsAReconnectToAnotherNode()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, 2), kStartMs);
    QTRY_VERIFY_WITH_TIMEOUT(nodeOfPane(0) >= 0, 5000);
    const int before = nodeOfPane(0);
    const QString beforeName = farm.node(before)->name();
    PaneSession *session = m_workspace->pane(0);
    QSignalSpy moved(session, &PaneSession::nodeChanged);
    DeliveryMatrixModel &matrix = m_window->matrixView()->model();
    QSignalSpy headers(&matrix, &QAbstractItemModel::headerDataChanged);
    // Its node dies: the health check fails and the balancer sends the
    // reconnect to the node left.
    farm.killNode(before);
    QTRY_VERIFY_WITH_TIMEOUT(moved.count() >= 1, kMoveMs);
    QTRY_VERIFY_WITH_TIMEOUT(session->state() == HubConnection::State::Connected, kMoveMs);
    const int after = nodeOfPane(0);
    QVERIFY(after >= 0);
    QVERIFY(after != before);
    ChatPane *chat = m_window->paneGrid()->pane(0);
    QVERIFY2(chat->titleText().startsWith(farm.node(after)->name()), qPrintable(chat->titleText()));
    QVERIFY(!chat->titleText().contains(beforeName));
    // The matrix's column of that pane names its new node too.
    QVERIFY(headers.count() >= 1);
    QCOMPARE(matrix.headerData(DeliveryMatrixModel::kFirstPaneColumn, Qt::Horizontal).toString(),
        QString::number(farm.node(after)->port()));
    farm.restartNode(before);
    QTRY_COMPARE_WITH_TIMEOUT(
        farm.node(before)->process()->state(), ProcessState::Healthy, kStartMs);
}

void tst_LoadBalancer::topologyDrawsTheBalancerAndItsSessions()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, 2), kStartMs);
    QTRY_VERIFY_WITH_TIMEOUT(nodeOfPane(0) >= 0 && nodeOfPane(1) >= 0, 5000);
    TopologyView *view = m_window->topologyView();
    // A line from each pane's client to the node it landed on.
    QTRY_COMPARE_WITH_TIMEOUT(
        view->clientNodes(), (QList<int> {nodeOfPane(0), nodeOfPane(1)}), 5000);
    // The sessions per node come from HAProxy's "show stat", and match where the panes are.
    const auto sessionsMatch = [&] {
        const QList<LbServerStatus> &servers = farm.loadBalancer()->servers();
        if (servers.size() != 2)
            return false;
        for (int n = 0; n < 2; ++n) {
            const int panesHere = int(view->clientNodes().count(n));
            if (servers[n].sessions != panesHere
                || !view->balancerCaption(n).startsWith(
                    QStringLiteral("%1 session").arg(panesHere)))
                return false;
        }
        return true;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(sessionsMatch(),
        qPrintable(view->balancerCaption(0) + QStringLiteral(" | ") + view->balancerCaption(1)),
        10000);
    // Both nodes are up for HAProxy (the one killed before passed its health check again).
    QTRY_VERIFY2_WITH_TIMEOUT(view->balancerCaption(0).contains(QStringLiteral("· UP"))
            && view->balancerCaption(1).contains(QStringLiteral("· UP")),
        qPrintable(view->balancerCaption(0) + QStringLiteral(" | ") + view->balancerCaption(1)),
        10000);
    // It paints with the balancer in front.
    const QImage frame = view->grab().toImage();
    QVERIFY(!frame.isNull());
}

void tst_LoadBalancer::faultsDockDrainsMaintainsAndReadies()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, 2), kStartMs);
    QTRY_VERIFY_WITH_TIMEOUT(nodeOfPane(0) >= 0, 5000);
    const int node = nodeOfPane(0);
    QComboBox *box = m_window->controls()->balancerBox(node);
    QVERIFY(box);
    QVERIFY(box->isVisible());
    QVERIFY(box->isEnabled());
    QSignalSpy finished(&farm, &FarmSupervisor::lbRequestFinished);
    const auto status = [&] { return farm.loadBalancer()->servers().value(node).status; };
    // As a user picks an entry of the box.
    const auto choose = [&](LbServerAdmin state) {
        box->setCurrentIndex(box->findData(int(state)));
        Q_EMIT box->activated(box->currentIndex());
    };

    choose(LbServerAdmin::Drain);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
    QVERIFY(qvariant_cast<Result<void>>(finished.at(0).at(2)).ok());
    QTRY_VERIFY2_WITH_TIMEOUT(
        status().startsWith(QStringLiteral("DRAIN")), qPrintable(status()), 5000);
    QCOMPARE(box->currentData().toInt(), int(LbServerAdmin::Drain));
    // Drain keeps the clients it has.
    QCOMPARE(nodeOfPane(0), node);
    QCOMPARE(m_workspace->pane(0)->state(), HubConnection::State::Connected);

    QElapsedTimer sinceMaint;
    sinceMaint.start();
    choose(LbServerAdmin::Maint);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 5000);
    QVERIFY(qvariant_cast<Result<void>>(finished.at(1).at(2)).ok());
    QTRY_VERIFY2_WITH_TIMEOUT(
        status().startsWith(QStringLiteral("MAINT")), qPrintable(status()), 5000);
    // Maint cuts its clients off: pane 0 reconnects through the balancer elsewhere.
    QTRY_VERIFY_WITH_TIMEOUT(
        nodeOfPane(0) != node && m_workspace->pane(0)->state() == HubConnection::State::Connected,
        kMoveMs);
    qInfo("pane back on another node %lld ms after maint was asked for", sinceMaint.elapsed());
    QTRY_COMPARE_WITH_TIMEOUT(farm.loadBalancer()->servers().value(node).sessions, 0, 5000);
    QCOMPARE(box->currentData().toInt(), int(LbServerAdmin::Maint));

    choose(LbServerAdmin::Ready);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 5000);
    QVERIFY(qvariant_cast<Result<void>>(finished.at(2).at(2)).ok());
    QTRY_VERIFY2_WITH_TIMEOUT(
        status().startsWith(QStringLiteral("UP")), qPrintable(status()), 10000);
    QCOMPARE(box->currentData().toInt(), int(LbServerAdmin::Ready));
}

void tst_LoadBalancer::faultsDockFits_data()
{
    QTest::addColumn<int>("nodes");
    QTest::addColumn<LbPolicy>("policy");
    // Eight panes, most with the long advice about sticky sessions.
    QTest::newRow("8 nodes, round-robin") << 8 << LbPolicy::RoundRobin;
    // Last: the guided demo below runs on this farm.
    QTest::newRow("4 nodes, sticky") << 4 << LbPolicy::Sticky;
}

void tst_LoadBalancer::faultsDockFits()
{
    QFETCH(int, nodes);
    QFETCH(LbPolicy, policy);
    relaunch(nodes, policy, false);
    if (QTest::currentTestFailed())
        return; // no farm, no panes to look at
    // At 1280×720 every control of the Faults dock, the balancer's included,
    // is in view: none below the bottom or behind a scroll bar; and no pane's
    // note is cut (the panes scroll instead).
    const QSize before = m_window->size();
    const auto restoreSize = qScopeGuard([&] { m_window->resize(before); });
    m_window->resize(1280, 720);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->size(), QSize(1280, 720), 2000);
    ControlsPanel *controls = m_window->controls();
    QList<QWidget *> wanted;
    for (int node = 0; node < nodes; ++node)
        wanted << controls->nodeButton(node, QStringLiteral("kill"))
               << controls->nodeButton(node, QStringLiteral("restart")) << controls->cutOffBox(node)
               << controls->balancerBox(node);
    QString outOfView;
    QTRY_VERIFY2_WITH_TIMEOUT((outOfView = test::controlOutOfView(*m_window, wanted)).isEmpty(),
        qPrintable(outOfView), 2000);
    if (policy == LbPolicy::RoundRobin) {
        const auto advised = [this] {
            for (int i = 0; i < m_window->paneGrid()->paneCount(); ++i) {
                if (m_window->paneGrid()->pane(i)->noteText() == ChatPane::stickySessionAdvice())
                    return true;
            }
            return false;
        };
        if (!QTest::qWaitFor(advised, 5000)) {
            // Every pane's negotiate may have come before every WebSocket, in
            // the same order: then each pane's two requests met one node and
            // all connected. One pane alone makes consecutive picks, which
            // always split across nodes; the others stay stopped meanwhile.
            for (int i = 1; i < nodes; ++i)
                m_workspace->pane(i)->stop();
            m_workspace->pane(0)->stop();
            m_workspace->pane(0)->start();
        }
        QTRY_VERIFY_WITH_TIMEOUT(advised(), 15000);
    }
    // Nor are the panes cut, at this size or wider ones (where four panes
    // stand in one row, and must not scroll sideways).
    for (const QSize size : {QSize(1280, 720), QSize(1440, 900), QSize(1920, 1080)}) {
        m_window->resize(size);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->size(), size, 2000);
        // The grid reflows, then the window makes room for it: a few turns of the loop.
        QString cut;
        QTRY_VERIFY2_WITH_TIMEOUT((cut = test::paneCut(*m_window)).isEmpty(),
            qPrintable(
                QStringLiteral("at %1x%2: %3").arg(size.width()).arg(size.height()).arg(cut)),
            2000);
    }
}

void tst_LoadBalancer::guidedDemoTellsTheBalancerStory()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, 4), kStartMs);
    GuidedDemo &demo = m_window->guidedDemo();
    QSignalSpy started(&demo, &GuidedDemo::stepStarted);
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    QSignalSpy admin(&farm, &FarmSupervisor::lbRequestFinished);
    demo.setReadingPauseMs(100);
    // The Redis lesson has its own test (tst_demopanel); here the balancer's step.
    demo.start(GuidedDemo::script(4, 0.1, farm.config().loadBalancer, false));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    const auto outcome = qvariant_cast<Result<void>>(finished.at(0).at(0));
    QVERIFY2(outcome.ok(), qPrintable(outcome.error()));
    // Maint then ready on the first node, each done by HAProxy.
    QCOMPARE(admin.count(), 2);
    QCOMPARE(admin.at(0).at(1).value<LbServerAdmin>(), LbServerAdmin::Maint);
    QCOMPARE(admin.at(1).at(1).value<LbServerAdmin>(), LbServerAdmin::Ready);
    QVERIFY(qvariant_cast<Result<void>>(admin.at(0).at(2)).ok());
    QVERIFY(qvariant_cast<Result<void>>(admin.at(1).at(2)).ok());
    bool told = false;
    for (const QList<QVariant> &step : std::as_const(started))
        told = told || step.at(2).toString() == QStringLiteral("Behind the load balancer");
    QVERIFY(told);
    QTRY_VERIFY_WITH_TIMEOUT(
        farm.loadBalancer()->servers().value(0).status.startsWith(QStringLiteral("UP")), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, 4), kMoveMs);
}

void tst_LoadBalancer::roundRobinWithoutStickinessIsExplained()
{
    relaunch(2, LbPolicy::RoundRobin, false);
    // One client alone behind round-robin over two nodes: its negotiate and
    // its WebSocket are consecutive picks, so they always reach different nodes.
    m_workspace->pane(1)->stop();
    PaneSession *session = m_workspace->pane(0);
    session->stop();
    session->start();
    ChatPane *chat = m_window->paneGrid()->pane(0);
    QTRY_VERIFY2_WITH_TIMEOUT(
        chat->noteText() == ChatPane::stickySessionAdvice(), qPrintable(chat->noteText()), 15000);
    QVERIFY(session->lostStickySession());
    QVERIFY(session->state() != HubConnection::State::Connected);
    QVERIFY(chat->noteText().contains(QStringLiteral("sticky")));
    QVERIFY(chat->noteText().contains(QStringLiteral("Skip negotiation")));
}

void tst_LoadBalancer::skipNegotiationConnectsThroughRoundRobin()
{
    relaunch(2, LbPolicy::RoundRobin, true);
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, 2), kStartMs);
    // The same lone client as above, now with one request per connect: it
    // gets through every time, wherever round-robin sends it.
    m_workspace->pane(1)->stop();
    PaneSession *session = m_workspace->pane(0);
    QSet<QString> landedOn;
    for (int attempt = 0; attempt < 4; ++attempt) {
        session->stop();
        session->start();
        QTRY_COMPARE_WITH_TIMEOUT(session->state(), HubConnection::State::Connected, 5000);
        QVERIFY(!session->lostStickySession());
        QTRY_VERIFY_WITH_TIMEOUT(!session->client().servedBy().isEmpty(), 5000);
        landedOn.insert(session->client().servedBy());
    }
    // Round-robin really spread the connects over both nodes.
    QCOMPARE(landedOn.size(), qsizetype(2));
    ChatPane *chat = m_window->paneGrid()->pane(0);
    QVERIFY(chat->noteText() != ChatPane::stickySessionAdvice());
}

QTEST_MAIN(tst_LoadBalancer)
#include "tst_loadbalancer.moc"
