#include "client/chatclient.h"
#include "launcher/executablelocator.h"
#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "launcher/managedprocess.h"
#include "tests/support/testlauncher.h"
#include "tests/support/testredisserver.h"
#include "tests/support/verifyresult.h"

#include <QFile>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <memory>
#include <vector>

using namespace farmchat;
using namespace farmchat::test;

namespace {

QList<qint64> nodePids(const FarmSupervisor &farm)
{
    QList<qint64> pids;
    for (int i = 0; i < farm.nodeCount(); ++i)
        pids << farm.node(i)->process()->pid();
    return pids;
}

// Starts `nodes` ASP.NET Core nodes on free ports, backplane off.
Result<void> startAspNetCoreFarm(FarmSupervisor &farm, int nodes)
{
    FarmConfig config;
    config.nodeKind = NodeKind::AspNetCore;
    config.nodes = nodes;
    config.basePort = 0;
    config.backplane = BackplaneMode::Off;
    config.pollIntervalMs = 200;
    QSignalSpy started(&farm, &FarmSupervisor::started);
    QSignalSpy errors(&farm, &FarmSupervisor::error);
    farm.start(config);
    if (!QTest::qWaitFor([&] { return !started.isEmpty() || !errors.isEmpty(); }, 30000))
        return Result<void>::failure(QStringLiteral("the farm did not start within 30 s"));
    if (!errors.isEmpty())
        return Result<void>::failure(errors.first().value(0).toString());
    return {};
}

Result<void> resultOf(const QSignalSpy &spy, qsizetype index)
{
    return qvariant_cast<Result<void>>(spy.at(index).at(2));
}

} // namespace

// A farm of ASP.NET Core nodes (peers/aspnetcore, --node-kind aspnetcore):
// the launcher's demo as a user runs it, and a backplane switch, which
// restarts these nodes since they cannot switch live.
class tst_AspNetCoreFarm : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void demo_data();
    void demo();
    void switchRestartsTheNodes();
    void balancerDemoCrossesNodes();
    void stopsOnSigtermWithClientsConnected();
};

void tst_AspNetCoreFarm::initTestCase()
{
    QVERIFY2(QFile::exists(qEnvironmentVariable("FARMCHAT_LAUNCHER_BIN")),
        "FARMCHAT_LAUNCHER_BIN (run through ctest)");
    QVERIFY2(QFile::exists(qEnvironmentVariable("FARMCHAT_ASPNETCORE_NODE_BIN")),
        "FARMCHAT_ASPNETCORE_NODE_BIN must name the published ASP.NET Core node (run through "
        "ctest after building the farmchat_dotnet target)");
    QVERIFY2(!TestRedisServer::binaryPath().isEmpty(),
        "redis-server is needed: sudo apt-get install redis-server");
}

void tst_AspNetCoreFarm::demo_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QStringList>("modes"); // the matrices printed, in order
    QTest::addColumn<bool>("restarts"); // a switch restarts the nodes on the way
    QTest::addRow("off then pubsub")
        << QStringList {"--demo"} << QStringList {"off", "pubsub"} << true;
    QTest::addRow("pubsub only") << QStringList {"--demo", "--backplane", "pubsub"}
                                 << QStringList {"pubsub"} << false;
}

void tst_AspNetCoreFarm::demo()
{
    QFETCH(QStringList, arguments);
    QFETCH(QStringList, modes);
    QFETCH(bool, restarts);
    TestLauncher run(arguments
            + QStringList {"--node-kind", "aspnetcore", "--nodes", "2", "--base-port", "auto"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QVERIFY(run.waitForExit(90000));
    const QString out = QString::fromUtf8(run.out());
    const QString err = QString::fromUtf8(run.err());
    QVERIFY2(run.exitCode() == 0, qPrintable(out + err));
    QCOMPARE(out.count(QStringLiteral("as promised — PASS")), modes.size());
    QVERIFY2(!out.contains(u"FAIL"), qPrintable(out));
    for (const QString &mode : std::as_const(modes))
        QVERIFY2(out.contains(QStringLiteral("Backplane %1:").arg(mode)), qPrintable(out));
    QVERIFY(!out.contains(u"Backplane streams"));
    // Off shows what is missing: each message only in its own node's pane
    // (two cells of ✗ on two nodes); every matrix has one more in its legend.
    QCOMPARE(out.count(u"✗"), modes.size() + (modes.contains(u"off") ? 2 : 0));
    QVERIFY2(err.contains(u"demo passed"), qPrintable(err));
    QCOMPARE(err.contains(u"the demo skips streams: ASP.NET Core nodes have no streams backplane"),
        modes.size() > 1);
    QCOMPARE(err.contains(u"restarting 2 nodes with --backplane pubsub (ASP.NET Core nodes "
                          u"cannot switch live)"),
        restarts);
    QCOMPARE(err.contains(u"every client was connected again"), restarts);
    QVERIFY2(!err.contains(u"warm-up incomplete"), qPrintable(err));
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
}

void tst_AspNetCoreFarm::switchRestartsTheNodes()
{
    FarmSupervisor farm;
    FARMCHAT_VERIFY_OK(startAspNetCoreFarm(farm, 2));
    const auto stopFarm = qScopeGuard([&farm] {
        farm.stop();
        if (!QTest::qWaitFor([&farm] { return farm.state() == FarmState::Stopped; }, 15000))
            qWarning("the farm did not stop within 15 s");
    });
    QVERIFY(farm.node(0)->process()->program().endsWith(u"farmchat-aspnetcore-node"));
    for (int i = 0; i < 2; ++i)
        QTRY_COMPARE_WITH_TIMEOUT(farm.node(i)->health().backplane, BackplaneMode::Off, 10000);
    const QList<qint64> before = nodePids(farm);

    // The whole farm: every node restarts with the new mode, then reports it.
    QSignalSpy switched(&farm, &FarmSupervisor::backplaneRequestFinished);
    QSignalSpy progress(&farm, &FarmSupervisor::progress);
    farm.setBackplane(BackplaneMode::PubSub);
    QTRY_COMPARE_WITH_TIMEOUT(switched.size(), 1, 30000);
    QVERIFY2(resultOf(switched, 0).ok(), qPrintable(resultOf(switched, 0).error()));
    QCOMPARE(switched.first().at(1).toInt(), -1);
    QVERIFY(!progress.isEmpty());
    QVERIFY2(progress.first().at(2).toString().contains(u"cannot switch live"),
        qPrintable(progress.first().at(2).toString()));
    const QList<qint64> afterSwitch = nodePids(farm);
    for (int i = 0; i < 2; ++i) {
        QVERIFY2(afterSwitch[i] != before[i], "the node was not restarted");
        QCOMPARE(farm.node(i)->process()->state(), ProcessState::Healthy);
        QTRY_COMPARE_WITH_TIMEOUT(farm.node(i)->health().backplane, BackplaneMode::PubSub, 10000);
        QVERIFY(farm.node(i)->process()->arguments().contains(u"pubsub"));
    }
    QCOMPARE(farm.backplane(), BackplaneMode::PubSub);

    // A mode these nodes do not have: refused, nothing restarted, the farm's mode kept.
    farm.setBackplane(BackplaneMode::Streams);
    QTRY_COMPARE_WITH_TIMEOUT(switched.size(), 2, 5000);
    QVERIFY(!resultOf(switched, 1).ok());
    QVERIFY2(resultOf(switched, 1).error().contains(u"no streams backplane"),
        qPrintable(resultOf(switched, 1).error()));
    QCOMPARE(farm.backplane(), BackplaneMode::PubSub);
    QCOMPARE(nodePids(farm), afterSwitch);

    // One node cut off: only that one restarts.
    farm.setNodeBackplane(1, BackplaneMode::Off);
    QTRY_COMPARE_WITH_TIMEOUT(switched.size(), 3, 30000);
    QVERIFY2(resultOf(switched, 2).ok(), qPrintable(resultOf(switched, 2).error()));
    QCOMPARE(switched.last().at(1).toInt(), 1);
    QCOMPARE(farm.node(0)->process()->pid(), afterSwitch[0]);
    QVERIFY(farm.node(1)->process()->pid() != afterSwitch[1]);
    QTRY_COMPARE_WITH_TIMEOUT(farm.node(1)->health().backplane, BackplaneMode::Off, 10000);
    QCOMPARE(farm.node(0)->health().backplane, BackplaneMode::PubSub);
}

void tst_AspNetCoreFarm::balancerDemoCrossesNodes()
{
    // Behind the balancer, each switch restarts the nodes and drops the
    // clients: the demo connects a new pair and still shows off and pubsub
    // across two nodes.
    const Result<QString> haproxy = ExecutableLocator::haproxy({});
    QVERIFY2(haproxy.ok(), qPrintable(haproxy.ok() ? QString() : haproxy.error()));
    TestLauncher run({"--node-kind", "aspnetcore", "--nodes", "2", "--base-port", "auto", "--lb",
                         "round-robin", "--demo"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QVERIFY(run.waitForExit(120000));
    const QString out = QString::fromUtf8(run.out());
    const QString err = QString::fromUtf8(run.err());
    QVERIFY2(run.exitCode() == 0, qPrintable(out + err));
    QVERIFY2(out.contains(u"lb round-robin | ✓ across nodes, backplane off: a client on node-"),
        qPrintable(out));
    QVERIFY2(out.contains(u"lb round-robin | ✓ across nodes, backplane pubsub: a client on node-"),
        qPrintable(out));
    QVERIFY2(err.contains(u"dropped the pair: connecting a new one"), qPrintable(err));
    QVERIFY2(err.contains(u"load balancer passed"), qPrintable(err));
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
}

void tst_AspNetCoreFarm::stopsOnSigtermWithClientsConnected()
{
    // A node with open WebSockets exits on SIGTERM within the launcher's
    // grace; it is not SIGKILLed as one that ignored it.
    FarmSupervisor farm;
    FARMCHAT_VERIFY_OK(startAspNetCoreFarm(farm, 1));
    std::vector<std::unique_ptr<ChatClient>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<ChatClient>(QList<QUrl> {farm.node(0)->url()}));
        clients.back()->start();
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(clients.begin(), clients.end(), [](const auto &c) { return c->isConnected(); }),
        15000);
    ManagedProcess *node = farm.node(0)->process();
    farm.stop();
    QTRY_COMPARE_WITH_TIMEOUT(farm.state(), FarmState::Stopped, 15000);
    QVERIFY2(!node->exitReason().contains(u"without exiting on SIGTERM"),
        qPrintable(node->exitReason()));
}

QTEST_GUILESS_MAIN(tst_AspNetCoreFarm)
#include "tst_aspnetcorefarm.moc"
