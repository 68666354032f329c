#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"
#include "redis/redisinfo.h"
#include "tests/support/testlauncher.h"
#include "tests/support/testredisserver.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace farmchat;
using namespace farmchat::test;

namespace {

// The value of `field` in an INFO-style answer.
QByteArray infoField(const RedisReply &reply, const QByteArray &field)
{
    return redisInfoField(reply.value.toByteArray(), field);
}

// Every server of the farm's cluster, shard by shard: primary, then replica.
QList<const RedisInstance *> clusterServers(const FarmSupervisor &farm)
{
    QList<const RedisInstance *> servers;
    const RedisClusterGroup *cluster = farm.cluster();
    for (int shard = 0; cluster && shard < cluster->shardCount(); ++shard) {
        servers << farm.shardServer(shard, 0);
        if (const RedisInstance *replica = cluster->shardServer(shard, 1))
            servers << replica;
    }
    return servers;
}

Result<void> startFarm(FarmSupervisor &farm, const FarmConfig &config)
{
    QSignalSpy started(&farm, &FarmSupervisor::started);
    QSignalSpy errors(&farm, &FarmSupervisor::error);
    farm.start(config);
    if (!QTest::qWaitFor([&] { return !started.isEmpty() || !errors.isEmpty(); }, scaledMs(40000)))
        return Result<void>::failure(QStringLiteral("the farm did not start within 40 s"));
    if (!errors.isEmpty())
        return Result<void>::failure(errors.first().value(0).toString());
    return {};
}

bool stopFarm(FarmSupervisor &farm)
{
    QSignalSpy stopped(&farm, &FarmSupervisor::stopped);
    farm.stop();
    return QTest::qWaitFor([&] { return !stopped.isEmpty(); }, scaledMs(20000));
}

FarmConfig clusterConfig(int nodes, int replicas)
{
    FarmConfig config;
    config.nodes = nodes;
    config.basePort = 0;
    config.pollIntervalMs = 200;
    config.redisTopology = RedisTopology::Cluster;
    config.redisShards = 3;
    config.redisReplicas = replicas;
    return config;
}

} // namespace

// --redis-topology cluster: the launcher makes a real Redis Cluster of
// private redis-servers before the nodes start, and the nodes' classic
// pub/sub crosses it.
class tst_FarmCluster : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void clusterIsMadeBeforeTheNodes();
    void primaryLossFailsOverToItsReplica();
    void streamsRunsOnTheCluster();
    void demoCrossesNodesOverTheCluster();
    void controlChannelDrivesShards();
};

void tst_FarmCluster::initTestCase()
{
    QVERIFY2(QFile::exists(qEnvironmentVariable("FARMCHAT_NODE_BIN")),
        "FARMCHAT_NODE_BIN must name farmchat-node (run through ctest)");
    QVERIFY2(QFile::exists(qEnvironmentVariable("FARMCHAT_LAUNCHER_BIN")),
        "FARMCHAT_LAUNCHER_BIN (run through ctest)");
    QVERIFY2(!TestRedisServer::binaryPath().isEmpty(),
        "redis-server is needed: sudo apt-get install redis-server");
}

void tst_FarmCluster::clusterIsMadeBeforeTheNodes()
{
    FarmSupervisor farm;
    FARMCHAT_VERIFY_OK(startFarm(farm, clusterConfig(3, 1)));
    const QList<const RedisInstance *> servers = clusterServers(farm);
    QCOMPARE(servers.size(), 6);
    const QByteArray password = farm.redis()->password();
    QSet<quint16> ports;
    for (const RedisInstance *server : servers) {
        ports << server->port() << server->clusterBusPort();
        const RedisReply info = commandAt(server->port(), password, {"CLUSTER", "INFO"});
        QVERIFY2(info.ok, info.error.constData());
        QCOMPARE(infoField(info, "cluster_state"), QByteArray("ok"));
        QCOMPARE(infoField(info, "cluster_known_nodes"), QByteArray("6"));
        QCOMPARE(infoField(info, "cluster_slots_assigned"), QByteArray("16384"));
        // The password is nowhere on its command line.
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(server->process()->pid()));
        QVERIFY(cmdline.open(QIODevice::ReadOnly));
        QVERIFY(!cmdline.readAll().contains(password));
    }
    QCOMPARE(ports.size(), 12); // client and bus ports, all distinct
    const RedisClusterGroup &cluster = *farm.cluster();
    for (int shard = 0; shard < 3; ++shard) {
        const RedisInstance *primary = servers[shard * 2];
        const RedisInstance *replica = servers[shard * 2 + 1];
        // Its slots, as the group split them, owned by this primary.
        const auto [first, last] = cluster.slotRange(shard);
        const RedisReply owner = commandAt(
            primary->port(), password, {"CLUSTER", "COUNTKEYSINSLOT", QByteArray::number(first)});
        QVERIFY2(owner.ok, owner.error.constData()); // answered here: the slot is this shard's
        const RedisReply moved = commandAt(
            replica->port(), password, {"SET", "probe", "1"}); // a replica redirects writes
        QVERIFY(!moved.ok);
        QVERIFY2(moved.error.startsWith("MOVED"), moved.error.constData());
        const RedisReply role = commandAt(replica->port(), password, {"INFO", "replication"});
        QCOMPARE(infoField(role, "master_port"), QByteArray::number(primary->port()));
        QCOMPARE(infoField(role, "master_link_status"), QByteArray("up"));
        QVERIFY(last >= first);
    }
    QCOMPARE(cluster.slotRange(0).first, 0);
    QCOMPARE(cluster.slotRange(2).second, RedisClusterGroup::kSlots - 1);
    QCOMPARE(cluster.slotRange(1).first, cluster.slotRange(0).second + 1);
    // Node i reaches shard i's primary.
    for (int i = 0; i < farm.nodeCount(); ++i)
        QCOMPARE(farm.nodeRedisUrl(i), servers[i * 2]->url());
    QVERIFY(stopFarm(farm));
    for (const RedisInstance *server : servers)
        QCOMPARE(server->process()->state(), ProcessState::Stopped);
}

void tst_FarmCluster::primaryLossFailsOverToItsReplica()
{
    FarmSupervisor farm;
    FARMCHAT_VERIFY_OK(startFarm(farm, clusterConfig(1, 1)));
    const QList<const RedisInstance *> servers = clusterServers(farm);
    QCOMPARE(servers.size(), 6);
    const QByteArray password = farm.redis()->password();
    const RedisInstance *primary = servers[2]; // shard 2's
    const RedisInstance *replica = servers[3];
    farm.killProcess(farm.indexOf(primary->process()));
    QElapsedTimer clock;
    clock.start();
    // The replica is promoted once the others agree its primary is gone
    // (cluster-node-timeout 2 s), and the cluster is whole again.
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     const RedisReply role
                         = commandAt(replica->port(), password, {"INFO", "replication"}, 1000);
                     const RedisReply info
                         = commandAt(servers[0]->port(), password, {"CLUSTER", "INFO"}, 1000);
                     return infoField(role, "role") == "master"
                         && infoField(info, "cluster_state") == "ok";
                 },
                 scaledMs(20000)),
        "the replica never took over its shard");
    qInfo("FAULT cluster shard primary killed: replica promoted, cluster ok in %lld ms",
        clock.elapsed());
    QVERIFY(farm.node(0)->process()->state() == ProcessState::Healthy);
    QVERIFY(stopFarm(farm));
}

void tst_FarmCluster::streamsRunsOnTheCluster()
{
    FarmConfig config = clusterConfig(1, 0);
    config.backplane = BackplaneMode::Streams;
    FARMCHAT_VERIFY_OK(config.validate());
    config.backplane = BackplaneMode::PubSub;
    config.linkFaults = true;
    QVERIFY(!config.validate());
    config.linkFaults = false;
    config.redisShards = 2;
    QVERIFY(!config.validate());

    // A running cluster farm switches to streams (each room's stream on its
    // shard) and back, the node reporting the mode it runs.
    FarmSupervisor farm;
    FARMCHAT_VERIFY_OK(startFarm(farm, clusterConfig(1, 0)));
    QSignalSpy finished(&farm, &FarmSupervisor::backplaneRequestFinished);
    farm.setBackplane(BackplaneMode::Streams);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
    const auto outcome = qvariant_cast<Result<void>>(finished.first().at(2));
    FARMCHAT_VERIFY_OK(outcome);
    QCOMPARE(farm.backplane(), BackplaneMode::Streams);
    // Without replicas there is nothing to WAIT for.
    const QStringList arguments = farm.node(0)->process()->arguments();
    QCOMPARE(arguments.value(arguments.indexOf(QStringLiteral("--stream-wait-replicas")) + 1),
        QStringLiteral("0"));
    QVERIFY(stopFarm(farm));
}

void tst_FarmCluster::demoCrossesNodesOverTheCluster()
{
    // As a user runs it: the guided demo on a cluster farm shows off failing
    // and pub/sub and streams crossing.
    TestLauncher run(
        {"--demo", "--redis-topology", "cluster", "--nodes", "3", "--base-port", "auto"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QVERIFY(run.waitForExit(scaledMs(90000)));
    const QString out = QString::fromUtf8(run.out());
    const QString err = QString::fromUtf8(run.err());
    QVERIFY2(run.exitCode() == 0, qPrintable(out + err));
    QCOMPARE(out.count(QStringLiteral("as promised — PASS")), 3);
    QVERIFY2(out.contains(u"Backplane pubsub:"), qPrintable(out));
    QVERIFY2(out.contains(u"Backplane streams:"), qPrintable(out));
    QVERIFY2(!err.contains(u"the demo skips"), qPrintable(err));
    for (int shard = 1; shard <= 3; ++shard)
        QVERIFY2(out.contains(QStringLiteral("redis-shard-%1").arg(shard)), qPrintable(out));
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
}

void tst_FarmCluster::controlChannelDrivesShards()
{
    TestLauncher run({"--redis-topology", "cluster", "--nodes", "1", "--base-port", "auto",
                         "--json", "--control", "stdin"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    const QJsonObject ready = run.waitForEvent(QStringLiteral("ready"), scaledMs(40000));
    QVERIFY2(!ready.isEmpty(), run.err().right(2000).constData());
    // The ready event maps the slots: three shards, contiguous, all 16384.
    const QJsonObject redis = ready.value(u"redis").toObject();
    QCOMPARE(redis.value(u"topology").toString(), QStringLiteral("cluster"));
    const QJsonArray shards = redis.value(u"shards").toArray();
    QCOMPARE(shards.size(), 3);
    int next = 0;
    for (const QJsonValue &shard : shards) {
        const QJsonArray slots = shard.toObject().value(u"slots").toArray();
        QCOMPARE(slots.at(0).toInt(), next);
        next = slots.at(1).toInt() + 1;
        QVERIFY(shard.toObject().value(u"primary").toObject().value(u"busPort").toInt() > 0);
    }
    QCOMPARE(next, 16384);

    QJsonObject reply = run.command({{"id", 1}, {"op", "kill-shard"}, {"shard", 1}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    QCOMPARE(reply.value(u"process").toString(), QStringLiteral("redis-shard-2"));
    reply = run.command({{"id", 2}, {"op", "status"}});
    const QJsonArray status = reply.value(u"shards").toArray();
    QCOMPARE(status.size(), 3);
    QVERIFY(status.at(1).toObject().value(u"primary").toObject().value(u"state").toString()
        != u"healthy");
    QCOMPARE(status.at(0).toObject().value(u"primary").toObject().value(u"state").toString(),
        QStringLiteral("healthy"));
    reply = run.command({{"id", 3}, {"op", "kill-shard"}, {"shard", 0}, {"replica", true}});
    QCOMPARE(reply.value(u"error").toString(),
        QStringLiteral("the shards have no replica (start with --redis-replicas 1)"));
    // Back with its nodes.conf: the same cluster node, its slots again.
    reply = run.command({{"id", 4}, {"op", "restart-shard"}, {"shard", 1}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    QCOMPARE(reply.value(u"state").toString(), QStringLiteral("healthy"));
    reply = run.command({{"id", 5}, {"op", "stop-shard"}, {"shard", 2}});
    QVERIFY2(reply.value(u"ok").toBool(), qPrintable(reply.value(u"error").toString()));
    QCOMPARE(reply.value(u"state").toString(), QStringLiteral("stopped"));
    reply = run.command({{"id", 6}, {"op", "stop"}});
    QVERIFY(reply.value(u"ok").toBool());
    QVERIFY(run.waitForExit(scaledMs(20000)));
    QCOMPARE(run.exitCode(), 0);
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
}

QTEST_GUILESS_MAIN(tst_FarmCluster)
#include "tst_farmcluster.moc"
