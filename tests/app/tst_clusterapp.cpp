// The desktop app on a Redis Cluster (--redis-topology cluster), driven
// through its window (offscreen) with real processes on loopback: three
// shards' redis-servers and three farmchat-node processes running sharded
// pub/sub. The farm bar offers the topology and every mode; the
// Faults dock's Redis line becomes the cluster's; killing a shard from the
// dock costs only the rooms on it: the lobby keeps crossing while another
// shard is down, and misses (as pub/sub documents) while its own is; Restart
// brings a shard back into the cluster. Rooms picked in the panes live on
// their slots' shards: the topology lists them with their traffic, and a room
// on a shard that is down is marked in the pickers. Switched to streams, a
// message to a room on a shard that is down waits and reaches every pane
// once the shard is back. Closing leaves no process behind.
#include "appfarmfixture.h"

#include "app/chatpane.h"
#include "app/clustercontrols.h"
#include "app/controlspanel.h"
#include "app/deliverymatrixview.h"
#include "app/farmbar.h"
#include "app/farmrooms.h"
#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "app/roompicker.h"
#include "app/sentinelcontrols.h"
#include "app/topologyview.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"
#include "redis/clusterslot.h"
#include "tests/support/testredisserver.h"
#include "tests/support/verifyresult.h"

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
    void killingAShardCostsOnlyItsRooms();
    void roomsLiveOnTheirShards();
    void streamsHoldsADownShardsRoomsBack();

private:
    QAbstractButton *modeButton(const QString &name) const;
    bool nodesCarry() const;
    int lobbyShard() const;
    int shardHolding(const QString &room) const;
    void killShard(int shard);
    void restartShard();

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
        if (!farm.node(i)->health().carries(farm.backplane()))
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
    // Every mode runs here: streams keeps each room's stream on its shard.
    QAbstractButton *streams = modeButton(QStringLiteral("Streams"));
    QVERIFY(streams && streams->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(nodesCarry(), 10000);
    const QSet<int> reached
        = test::panesReached(*m_workspace, 0, QStringLiteral("over the cluster"), kNodes, 5000);
    QCOMPARE(reached.size(), kNodes);
}

// The shard that owns the slot of the lobby's channel.
int tst_ClusterApp::lobbyShard() const
{
    const RedisClusterGroup *cluster = m_workspace->supervisor().cluster();
    const int slot = clusterKeySlot("farmchat:room:lobby");
    for (int shard = 0; shard < cluster->shardCount(); ++shard) {
        if (slot >= cluster->slotRange(shard).first && slot <= cluster->slotRange(shard).second)
            return shard;
    }
    return -1;
}

void tst_ClusterApp::killShard(int shard)
{
    FarmSupervisor &farm = m_workspace->supervisor();
    ClusterControls *cluster = m_window->controls()->clusterControls();
    cluster->serverBox()->setCurrentIndex(shard);
    QTest::mouseClick(cluster->button(QStringLiteral("kill")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(
        !isLive(farm.process(farm.processIndexOfShard(shard, false))->state()), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(cluster->stateText(), QStringLiteral("2 of 3 shards up"), 2000);
    QCOMPARE(
        m_window->topologyView()->clusterLabel(), QStringLiteral("Redis Cluster\n✕ 2/3 shards"));
    // Every node reaches every shard: every link names the one down.
    for (int node = 0; node < kNodes; ++node) {
        const Result<void> link = m_window->topologyView()->checkLink(node);
        QVERIFY(!link);
        QVERIFY2(link.error().contains(QStringLiteral("redis-shard-%1").arg(shard + 1)),
            qPrintable(link.error()));
    }
}

void tst_ClusterApp::restartShard()
{
    ClusterControls *cluster = m_window->controls()->clusterControls();
    QTest::mouseClick(cluster->button(QStringLiteral("restart")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(cluster->stateText(), QStringLiteral("3 of 3 shards up"), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(nodesCarry(), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(
        test::panesReached(*m_workspace, 0, QStringLiteral("shard back"), kNodes, 3000).size(),
        kNodes, 15000);
}

void tst_ClusterApp::killingAShardCostsOnlyItsRooms()
{
    const int lobby = lobbyShard();
    QVERIFY(lobby >= 0);
    // Another shard down: the lobby's shard still carries it.
    killShard((lobby + 1) % 3);
    QCOMPARE(test::panesReached(*m_workspace, 0, QStringLiteral("another shard down"), kNodes, 5000)
                 .size(),
        kNodes);
    restartShard();

    // The lobby's own shard down: node 0's message reaches its own pane
    // only; its node warned the sender (delivered here only, Redis
    // unavailable), so the matrix counts the message lost while Redis was
    // down: a loss pub/sub documents, not a broken promise.
    killShard(lobby);
    QTRY_VERIFY_WITH_TIMEOUT(!m_workspace->supervisor().node(1)->health().redisConnected, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!m_workspace->supervisor().node(2)->health().redisConnected, 5000);
    const QSet<int> reached = test::panesReached(
        *m_workspace, 0, QStringLiteral("the lobby's shard down"), kNodes, 5000, 1500);
    QCOMPARE(reached, (QSet<int> {0}));
    QString totals;
    QTRY_VERIFY2_WITH_TIMEOUT(
        (totals = m_window->matrixView()->totalsText())
            .contains(u"1 lost while Redis was down — expected for pub/sub, counted"),
        qPrintable(totals), 15000);
    QVERIFY2(!totals.contains(u"broke the promise"), qPrintable(totals));
    restartShard();
}

// The shard whose primary holds `room`'s subscriptions, one per node: asked
// of the cluster itself.
int tst_ClusterApp::shardHolding(const QString &room) const
{
    FarmSupervisor &farm = m_workspace->supervisor();
    const QByteArray password = farm.redis()->password();
    for (int shard = 0; shard < farm.cluster()->shardCount(); ++shard) {
        const RedisInstance *primary = farm.shardServer(shard, 0);
        const test::RedisReply count = test::commandAt(
            primary->port(), password, {"PUBSUB", "SHARDNUMSUB", "farmchat:room:" + room.toUtf8()});
        if (count.value.toList().value(1).toLongLong() == kNodes)
            return shard;
    }
    return -1;
}

void tst_ClusterApp::roomsLiveOnTheirShards()
{
    const FarmRooms &rooms = m_workspace->rooms();
    const QString dev = QStringLiteral("dev");
    const QString ops = QStringLiteral("ops");
    // A room picked in one pane is joined by every pane, on its slot's shard.
    for (const QString &room : {dev, ops}) {
        QCOMPARE(test::panesReached(
                     *m_workspace, 0, room + QStringLiteral(" opened"), kNodes, 5000, 0, room)
                     .size(),
            kNodes);
        QTRY_COMPARE_WITH_TIMEOUT(shardHolding(room), rooms.shardOf(room), 5000);
    }
    const int victim = rooms.shardOf(dev);
    QVERIFY(victim != rooms.shardOf(ops) && victim != lobbyShard());
    const QStringList lines = m_window->topologyView()->shardLines();
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines[victim].contains(u"dev 1"), qPrintable(lines.join(u'\n')));
    QVERIFY2(lines[rooms.shardOf(ops)].contains(u"ops 1"), qPrintable(lines.join(u'\n')));

    // dev's shard down: dev is marked in every picker and the pane picking
    // it says why; its message stays on the sender's node, ops still crosses.
    killShard(victim);
    auto *picker = m_window->findChild<RoomPicker *>(QStringLiteral("roomPicker1"));
    auto *pane = m_window->findChild<ChatPane *>(QStringLiteral("chatPane1"));
    QVERIFY(picker && pane);
    QTRY_VERIFY_WITH_TIMEOUT(picker->labelFor(dev).startsWith(u"✕ "), 5000);
    QVERIFY(!picker->labelFor(ops).startsWith(u"✕"));
    picker->setEditText(dev);
    QTRY_VERIFY2_WITH_TIMEOUT(pane->noteText().contains(u"'dev' lives on redis-shard-"),
        qPrintable(pane->noteText()), 2000);
    QTRY_VERIFY_WITH_TIMEOUT(
        lines.size() == 3 && m_window->topologyView()->shardLines()[victim].startsWith(u"✕ "),
        2000);
    QCOMPARE(test::panesReached(
                 *m_workspace, 0, QStringLiteral("dev, shard down"), kNodes, 5000, 1500, dev),
        (QSet<int> {0}));
    QCOMPARE(
        test::panesReached(*m_workspace, 0, QStringLiteral("ops crosses"), kNodes, 5000, 0, ops)
            .size(),
        kNodes);
    restartShard();
    QTRY_VERIFY_WITH_TIMEOUT(!picker->labelFor(dev).startsWith(u"✕"), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!pane->noteText().contains(u"lives on"), 2000);
    picker->setEditText(ChatClient::kLobby);
}

QAbstractButton *tst_ClusterApp::modeButton(const QString &name) const
{
    for (QAbstractButton *mode : m_window->controls()->findChildren<QAbstractButton *>()) {
        if (mode->text().remove(u'&') == name)
            return mode;
    }
    return nullptr;
}

void tst_ClusterApp::streamsHoldsADownShardsRoomsBack()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    QTest::mouseClick(modeButton(QStringLiteral("Streams")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(farm.backplane(), BackplaneMode::Streams, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(nodesCarry(), 15000);
    const QString dev = QStringLiteral("dev");
    const QString ops = QStringLiteral("ops");
    QTRY_COMPARE_WITH_TIMEOUT(
        test::panesReached(*m_workspace, 0, QStringLiteral("dev in streams"), kNodes, 3000, 0, dev)
            .size(),
        kNodes, 15000);

    // dev's shard down: its message waits (the other panes do not show it;
    // the sender's pane shows it as sending); ops still crosses.
    // The pane had dev picked before: the shard going down is said there.
    const int victim = m_workspace->rooms().shardOf(dev);
    auto *picker = m_window->findChild<RoomPicker *>(QStringLiteral("roomPicker1"));
    auto *pane = m_window->findChild<ChatPane *>(QStringLiteral("chatPane1"));
    QVERIFY(picker && pane);
    picker->setEditText(dev);
    killShard(victim);
    QTRY_VERIFY2_WITH_TIMEOUT(pane->noteText().contains(u"wait in the nodes' outboxes"),
        qPrintable(pane->noteText()), 5000);
    const QString held = QStringLiteral("dev, held back");
    FARMCHAT_VERIFY_OK(m_workspace->sendFrom(0, held, dev));
    QCOMPARE(
        test::panesReached(*m_workspace, 1, QStringLiteral("ops, streams"), kNodes, 5000, 0, ops)
            .size(),
        kNodes);
    for (int p = 1; p < kNodes; ++p)
        QVERIFY2(!test::paneHasText(*m_workspace, p, held), qPrintable(QString::number(p)));

    restartShard();
    for (int p = 0; p < kNodes; ++p)
        QTRY_VERIFY_WITH_TIMEOUT(test::paneHasText(*m_workspace, p, held), 15000);
    // The matrix's streams line: the held message late, nothing lost.
    QString streamsLine;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const QStringList lines = m_window->matrixView()->totalsText().split(u'\n');
            for (const QString &line : lines) {
                if (line.startsWith(u"streams:"))
                    streamsLine = line;
            }
            return streamsLine.contains(u"as promised");
        }(),
        10000);
    QVERIFY2(streamsLine.contains(u"1 late, 0 lost"), qPrintable(streamsLine));
    picker->setEditText(ChatClient::kLobby);
}

QTEST_MAIN(tst_ClusterApp)
#include "tst_clusterapp.moc"
