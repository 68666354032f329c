#include "launcher/launcheroptions.h"

#include <QTest>
#include <QUrl>

using namespace farmchat;

class tst_LauncherOptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaults();
    void valid_data();
    void valid();
    void nodeKind_data();
    void nodeKind();
    void usageErrors_data();
    void usageErrors();
    void helpAndVersion();
    void remoteRedisIsNamed_data();
    void remoteRedisIsNamed();
};

void tst_LauncherOptions::defaults()
{
    const auto parsed = LauncherOptions::parse({});
    QVERIFY(parsed && parsed->options);
    const LauncherOptions &o = *parsed->options;
    QCOMPARE(o.farm.nodes, 2);
    QCOMPARE(o.farm.requestedPorts(), (QList<quint16> {9090, 9091}));
    QCOMPARE(o.farm.backplane, BackplaneMode::PubSub);
    QVERIFY(!o.demo);
    QVERIFY(!o.json);
    QVERIFY(!o.farm.keepRunning);
    QVERIFY(o.farm.logDir.isEmpty());
    QCOMPARE(o.farm.redisMaxMemoryBytes, qint64(256) * 1024 * 1024);
    const auto capped = LauncherOptions::parse({"--redis-maxmemory", "64mb"});
    QVERIFY2(capped && capped->options, qPrintable(capped.error()));
    QCOMPARE(capped->options->farm.redisMaxMemoryBytes, qint64(64) * 1024 * 1024);
    const auto uncapped = LauncherOptions::parse({"--redis-maxmemory", "0"});
    QVERIFY2(uncapped && uncapped->options, qPrintable(uncapped.error()));
    QCOMPARE(uncapped->options->farm.redisMaxMemoryBytes, qint64(0));
    const auto junk = LauncherOptions::parse({"--redis-maxmemory", "2mb"});
    QVERIFY(!junk);
    QVERIFY2(junk.error().contains(u"--redis-maxmemory"), qPrintable(junk.error()));
    QCOMPARE(o.farm.redisTopology, RedisTopology::Single);
    QCOMPARE(o.farm.sentinelDownAfterMs, 1000);
    const auto sentinel
        = LauncherOptions::parse({"--redis-topology", "sentinel", "--sentinel-down-after", "500"});
    QVERIFY2(sentinel && sentinel->options, qPrintable(sentinel.error()));
    QCOMPARE(sentinel->options->farm.redisTopology, RedisTopology::Sentinel);
    QCOMPARE(sentinel->options->farm.sentinelDownAfterMs, 500);
    // Streams WAIT for the replica: on by default in this topology, switchable.
    QCOMPARE(sentinel->options->farm.streamWaitReplicas, 1);
    QCOMPARE(sentinel->options->farm.streamWaitTimeoutMs, 500);
    const auto noWait
        = LauncherOptions::parse({"--redis-topology", "sentinel", "--stream-wait-replicas", "0"});
    QVERIFY2(noWait && noWait->options, qPrintable(noWait.error()));
    QCOMPARE(noWait->options->farm.streamWaitReplicas, 0);
    const auto longWait = LauncherOptions::parse({"--redis-topology", "sentinel",
        "--stream-wait-replicas", "1", "--stream-wait-timeout", "2000"});
    QVERIFY2(longWait && longWait->options, qPrintable(longWait.error()));
    QCOMPARE(longWait->options->farm.streamWaitReplicas, 1);
    QCOMPARE(longWait->options->farm.streamWaitTimeoutMs, 2000);
    // A cluster's replicas are waited for the same way.
    const auto clusterWait = LauncherOptions::parse({"--redis-topology", "cluster",
        "--redis-replicas", "1", "--backplane", "streams", "--stream-wait-timeout", "800"});
    QVERIFY2(clusterWait && clusterWait->options, qPrintable(clusterWait.error()));
    QCOMPARE(clusterWait->options->farm.backplane, BackplaneMode::Streams);
    QCOMPARE(clusterWait->options->farm.streamWaitTimeoutMs, 800);
}

void tst_LauncherOptions::valid_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("nodes");
    QTest::addColumn<QList<quint16>>("ports"); // empty: picked at start
    QTest::addColumn<QString>("backplane");
    QTest::addColumn<QString>("demoModes"); // comma-separated; empty: no demo
    QTest::addRow("seed farm") << QStringList {"--nodes", "2", "--base-port", "9090"} << 2
                               << QList<quint16> {9090, 9091} << "pubsub"
                               << "";
    QTest::addRow("equals form") << QStringList {"--nodes=4", "--base-port=7000"} << 4
                                 << QList<quint16> {7000, 7001, 7002, 7003} << "pubsub"
                                 << "";
    QTest::addRow("auto ports") << QStringList {"--nodes", "3", "--base-port", "auto"} << 3
                                << QList<quint16> {} << "pubsub"
                                << "";
    QTest::addRow("zero ports") << QStringList {"--base-port", "0"} << 2 << QList<quint16> {}
                                << "pubsub"
                                << "";
    QTest::addRow("explicit ports set nodes") << QStringList {"--ports", "9090,9095,9099"} << 3
                                              << QList<quint16> {9090, 9095, 9099} << "pubsub"
                                              << "";
    QTest::addRow("backplane") << QStringList {"--backplane", "streams"} << 2
                               << QList<quint16> {9090, 9091} << "streams"
                               << "";
    QTest::addRow("demo default modes")
        << QStringList {"--demo"} << 2 << QList<quint16> {9090, 9091} << "off"
        << "off,pubsub,streams";
    QTest::addRow("demo one mode")
        << QStringList {"--demo", "--backplane", "off"} << 2 << QList<quint16> {9090, 9091} << "off"
        << "off";
    QTest::addRow("demo modes imply demo") << QStringList {"--demo-modes", "pubsub,off"} << 2
                                           << QList<quint16> {9090, 9091} << "pubsub"
                                           << "pubsub,off";
    QTest::addRow("sixteen nodes") << QStringList {"--nodes", "16", "--base-port", "auto"} << 16
                                   << QList<quint16> {} << "pubsub"
                                   << "";
}

void tst_LauncherOptions::valid()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, nodes);
    QFETCH(QList<quint16>, ports);
    QFETCH(QString, backplane);
    QFETCH(QString, demoModes);
    const auto parsed = LauncherOptions::parse(arguments);
    QVERIFY2(parsed && parsed->options, qPrintable(parsed.error()));
    QVERIFY(!CommandLine::exitStatus(parsed)); // it runs
    const LauncherOptions &o = *parsed->options;
    QCOMPARE(o.farm.nodes, nodes);
    QCOMPARE(o.farm.requestedPorts(), ports);
    QCOMPARE(modeName(o.farm.backplane), backplane);
    QCOMPARE(o.demo, !demoModes.isEmpty());
    QStringList modes;
    for (const BackplaneMode mode : o.demoModes)
        modes << modeName(mode);
    QCOMPARE(modes.join(u','), demoModes);
}

void tst_LauncherOptions::nodeKind_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("backplane");
    QTest::addColumn<QString>("demoModes"); // comma-separated; empty: no demo
    QTest::addColumn<QString>("warning"); // a part of the one warning; empty: none
    QTest::addRow("default farmchat") << QStringList {} << "farmchat"
                                      << "pubsub"
                                      << ""
                                      << "";
    QTest::addRow("farmchat named")
        << QStringList {"--node-kind", "farmchat", "--demo"} << "farmchat"
        << "off"
        << "off,pubsub,streams"
        << "";
    QTest::addRow("aspnetcore") << QStringList {"--node-kind", "aspnetcore"} << "aspnetcore"
                                << "pubsub"
                                << ""
                                << "";
    QTest::addRow("aspnetcore any case")
        << QStringList {"--node-kind=AspNetCore", "--backplane", "off"} << "aspnetcore"
        << "off"
        << ""
        << "";
    QTest::addRow("aspnetcore demo skips streams")
        << QStringList {"--node-kind", "aspnetcore", "--demo"} << "aspnetcore"
        << "off"
        << "off,pubsub"
        << "the demo skips streams";
    QTest::addRow("aspnetcore demo pubsub")
        << QStringList {"--node-kind", "aspnetcore", "--demo", "--backplane", "pubsub"}
        << "aspnetcore"
        << "pubsub"
        << "pubsub"
        << "";
}

void tst_LauncherOptions::nodeKind()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, kind);
    QFETCH(QString, backplane);
    QFETCH(QString, demoModes);
    QFETCH(QString, warning);
    const auto parsed = LauncherOptions::parse(arguments);
    QVERIFY2(parsed && parsed->options, qPrintable(parsed.error()));
    const LauncherOptions &o = *parsed->options;
    QCOMPARE(nodeKindName(o.farm.nodeKind), kind);
    QCOMPARE(modeName(o.farm.backplane), backplane);
    QStringList modes;
    for (const BackplaneMode mode : o.demoModes)
        modes << modeName(mode);
    QCOMPARE(modes.join(u','), demoModes);
    if (warning.isEmpty()) {
        QVERIFY2(parsed->warnings.isEmpty(), qPrintable(parsed->warnings.join(u'\n')));
    } else {
        QCOMPARE(parsed->warnings.size(), 1);
        QVERIFY2(parsed->warnings.first().contains(warning), qPrintable(parsed->warnings.first()));
    }
}

void tst_LauncherOptions::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    QTest::addRow("unknown flag") << QStringList {"--bogus"} << "bogus";
    QTest::addRow("topology unknown")
        << QStringList {"--redis-topology", "ring"} << "--redis-topology";
    QTest::addRow("shards without cluster")
        << QStringList {"--redis-shards", "4"} << "--redis-shards needs --redis-topology cluster";
    QTest::addRow("two shards") << QStringList {"--redis-topology", "cluster", "--redis-shards",
        "2"} << "--redis-shards";
    QTest::addRow("two replicas") << QStringList {"--redis-topology", "cluster", "--redis-replicas",
        "2"} << "--redis-replicas";
    QTest::addRow("wait on a cluster without replicas") << QStringList {"--redis-topology",
        "cluster", "--stream-wait-replicas", "1"} << "--stream-wait-replicas needs a replica";
    QTest::addRow("cluster and redis-url")
        << QStringList {"--redis-topology", "cluster", "--redis-url", "redis://127.0.0.1:6379/0"}
        << "--redis-topology cluster starts its own Redis: it excludes --redis-url";
    QTest::addRow("down-after without sentinel")
        << QStringList {"--sentinel-down-after", "500"} << "--sentinel-down-after";
    QTest::addRow("down-after too short") << QStringList {"--redis-topology", "sentinel",
        "--sentinel-down-after", "10"} << "--sentinel-down-after";
    QTest::addRow("wait without sentinel")
        << QStringList {"--stream-wait-replicas", "1"} << "--stream-wait-replicas";
    QTest::addRow("wait timeout without sentinel")
        << QStringList {"--stream-wait-timeout", "100"} << "--stream-wait-timeout";
    QTest::addRow("wait for two replicas") << QStringList {"--redis-topology", "sentinel",
        "--stream-wait-replicas", "2"} << "--stream-wait-replicas";
    QTest::addRow("wait timeout with wait off") << QStringList {"--redis-topology", "sentinel",
        "--stream-wait-replicas", "0", "--stream-wait-timeout", "100"}
                                                << "--stream-wait-timeout";
    QTest::addRow("sentinel with redis-url")
        << QStringList {"--redis-topology", "sentinel", "--redis-url", "redis://127.0.0.1:6379/0"}
        << "--redis-url";
    QTest::addRow("positional") << QStringList {"extra"} << "extra";
    QTest::addRow("nodes zero") << QStringList {"--nodes", "0"} << "--nodes";
    QTest::addRow("nodes 17") << QStringList {"--nodes", "17"} << "--nodes";
    QTest::addRow("nodes word") << QStringList {"--nodes", "two"} << "--nodes";
    QTest::addRow("nodes missing value") << QStringList {"--nodes"} << "nodes";
    QTest::addRow("base port word") << QStringList {"--base-port", "high"} << "--base-port";
    QTest::addRow("base port too big") << QStringList {"--base-port", "70000"} << "--base-port";
    QTest::addRow("base port no room")
        << QStringList {"--nodes", "4", "--base-port", "65534"} << "room";
    QTest::addRow("ports and base port")
        << QStringList {"--ports", "1,2", "--base-port", "9000"} << "exclude";
    QTest::addRow("ports bad item") << QStringList {"--ports", "9090,x"} << "--ports";
    QTest::addRow("ports zero") << QStringList {"--ports", "9090,0"} << "--ports";
    QTest::addRow("ports duplicate") << QStringList {"--ports", "9090,9090"} << "twice";
    QTest::addRow("ports and nodes disagree")
        << QStringList {"--nodes", "3", "--ports", "9090,9091"} << "ports";
    QTest::addRow("bad backplane") << QStringList {"--backplane", "kafka"} << "kafka";
    QTest::addRow("bad demo mode") << QStringList {"--demo-modes", "off,nope"} << "nope";
    QTest::addRow("demo modes disagree")
        << QStringList {"--backplane", "off", "--demo-modes", "pubsub"} << "disagree";
    QTest::addRow("both redis") << QStringList {"--redis-server", "/x", "--redis-url",
        "redis://h:1/0"} << "exclude";
    QTest::addRow("password in url")
        << QStringList {"--redis-url", "redis://:secret@127.0.0.1:6379/0"}
        << "FARMCHAT_REDIS_PASSWORD";
    QTest::addRow("not a redis url")
        << QStringList {"--redis-url", "http://127.0.0.1/"} << "--redis-url";
    QTest::addRow("node kind unknown") << QStringList {"--node-kind", "dotnet"}
                                       << "--node-kind: must be one of farmchat, aspnetcore";
    QTest::addRow("aspnetcore streams") << QStringList {"--node-kind", "aspnetcore", "--backplane",
        "streams"} << "ASP.NET Core nodes have no streams backplane";
    QTest::addRow("aspnetcore streams in the demo")
        << QStringList {"--node-kind", "aspnetcore", "--demo-modes", "off,streams"}
        << "--demo-modes: ASP.NET Core nodes have no streams backplane";
    QTest::addRow("aspnetcore sentinel") << QStringList {"--node-kind", "aspnetcore",
        "--redis-topology", "sentinel"} << "not through Sentinel";
    QTest::addRow("given twice") << QStringList {"--nodes", "2", "--nodes", "3"}
                                 << "more than once";
}

void tst_LauncherOptions::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    const auto parsed = LauncherOptions::parse(arguments);
    QVERIFY(!parsed);
    QCOMPARE(CommandLine::exitStatus(parsed).value_or(-1), 2);
    QVERIFY2(parsed.error().contains(mentions), qPrintable(parsed.error()));
    QVERIFY(!parsed.error().contains(u'\n')); // one line
    QVERIFY(!parsed.error().contains(u"secret")); // a password is never echoed
}

void tst_LauncherOptions::helpAndVersion()
{
    const auto help = LauncherOptions::parse({"--help"});
    QVERIFY(help && !help->options);
    QCOMPARE(CommandLine::exitStatus(help).value_or(-1), 0);
    for (const char *flag : {"--nodes", "--base-port", "--ports", "--backplane", "--redis-server",
             "--redis-url", "--log-dir", "--demo", "--json", "--keep-running"})
        QVERIFY2(help->output.contains(QLatin1StringView(flag)), flag);
    const auto version = LauncherOptions::parse({"--version"});
    QCOMPARE(CommandLine::exitStatus(version).value_or(-1), 0);
    QVERIFY(version->output.startsWith(QStringLiteral("farmchat-launcher ")));
}

void tst_LauncherOptions::remoteRedisIsNamed_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("warned");
    QTest::addRow("IPv4 loopback") << "redis://127.0.0.1:6379/0" << false;
    QTest::addRow("IPv6 loopback") << "redis://[::1]:6379/0" << false;
    QTest::addRow("localhost") << "redis://LocalHost:6379/0" << false;
    QTest::addRow("unix socket") << "unix:///run/redis.sock" << false;
    QTest::addRow("LAN address") << "redis://192.168.1.20:6379/0" << true;
    QTest::addRow("host name") << "redis://farmchat@redis.example.org:6380/2" << true;
}

void tst_LauncherOptions::remoteRedisIsNamed()
{
    QFETCH(QString, url);
    QFETCH(bool, warned);
    const auto parsed = LauncherOptions::parse({"--redis-url", url});
    QVERIFY2(parsed && parsed->options, qPrintable(parsed.error()));
    QCOMPARE(!parsed->warnings.isEmpty(), warned);
    if (warned) {
        const QString warning = parsed->warnings.first();
        QVERIFY2(warning.contains(u"beyond this machine") && warning.contains(u"password")
                && warning.contains(u"unencrypted"),
            qPrintable(warning));
        QVERIFY(warning.contains(QUrl(url).host()));
    }
}

QTEST_GUILESS_MAIN(tst_LauncherOptions)
#include "tst_launcheroptions.moc"
