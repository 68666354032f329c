// farmchat's command line: flags override settings, bad input is a usage error (exit 2).
#include "app/appoptions.h"
#include "app/appsettings.h"
#include "launcher/launcheroptions.h"

#include <QTcpServer>
#include <QTest>

using namespace farmchat;

class tst_AppOptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void valid_data();
    void valid();
    void invalid_data();
    void invalid();
    void helpAndVersion();
    void sharedFlagsReadAsInTheLauncher_data();
    void sharedFlagsReadAsInTheLauncher();
    void commandLineWins();
    void autoBasePortIsFreeNow();
    void loadBalancerFlags();
    void redisTopologyFlag();
    void scenarioFlagIsCheckedBeforeAnyWindow();
};

void tst_AppOptions::valid_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("nodes"); // -1: not given
    QTest::addColumn<int>("basePort"); // -1: not given
    QTest::addColumn<int>("mode"); // -1: not given
    QTest::addColumn<bool>("autostart");
    QTest::addRow("nothing") << QStringList {} << -1 << -1 << -1 << false;
    QTest::addRow("all") << QStringList {"--nodes", "3", "--base-port", "9100", "--backplane",
        "pubsub", "--autostart"}
                         << 3 << 9100 << int(BackplaneMode::PubSub) << true;
    QTest::addRow("equals form") << QStringList {"--nodes=8", "--backplane=streams"} << 8 << -1
                                 << int(BackplaneMode::Streams) << false;
    QTest::addRow("pub-sub spelling") << QStringList {"--backplane", "Pub-Sub"} << -1 << -1
                                      << int(BackplaneMode::PubSub) << false;
    QTest::addRow("one node, top port")
        << QStringList {"--nodes", "1", "--base-port", "65535"} << 1 << 65535 << -1 << false;
    // The launcher's spelling works here too: 0 stands for free ports.
    QTest::addRow("auto ports") << QStringList {"--base-port", "auto"} << -1 << 0 << -1 << false;
    QTest::addRow("zero ports") << QStringList {"--base-port", "0"} << -1 << 0 << -1 << false;
}

void tst_AppOptions::valid()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, nodes);
    QFETCH(int, basePort);
    QFETCH(int, mode);
    QFETCH(bool, autostart);
    const auto parsed = AppOptions::parse(arguments);
    QVERIFY2(parsed && parsed->options, qPrintable(parsed.error()));
    const AppOptions &options = *parsed->options;
    QCOMPARE(options.nodes.value_or(-1), nodes);
    QCOMPARE(options.basePort ? int(*options.basePort) : -1, basePort);
    QCOMPARE(options.backplane ? int(*options.backplane) : -1, mode);
    QCOMPARE(options.autostart, autostart);
}

void tst_AppOptions::invalid_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    QTest::addRow("zero nodes") << QStringList {"--nodes", "0"} << "--nodes";
    QTest::addRow("maxmemory junk")
        << QStringList {"--redis-maxmemory", "plenty"} << "--redis-maxmemory";
    QTest::addRow("nine nodes") << QStringList {"--nodes", "9"} << "1 to 8";
    QTest::addRow("nodes not a number") << QStringList {"--nodes", "two"} << "two";
    QTest::addRow("port too big") << QStringList {"--base-port", "70000"} << "--base-port";
    QTest::addRow("privileged port") << QStringList {"--base-port", "80"} << "1024";
    QTest::addRow("unknown mode") << QStringList {"--backplane", "kafka"} << "--backplane";
    QTest::addRow("unknown option") << QStringList {"--bogus"} << "bogus";
    QTest::addRow("positional") << QStringList {"extra"} << "extra";
    QTest::addRow("missing value") << QStringList {"--nodes"} << "nodes";
}

void tst_AppOptions::invalid()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    const auto parsed = AppOptions::parse(arguments);
    QVERIFY(!parsed);
    QCOMPARE(CommandLine::exitStatus(parsed).value_or(-1), 2);
    QVERIFY2(parsed.error().contains(mentions), qPrintable(parsed.error()));
}

void tst_AppOptions::helpAndVersion()
{
    const auto help = AppOptions::parse({QStringLiteral("--help")});
    QVERIFY(help && !help->options);
    QCOMPARE(CommandLine::exitStatus(help).value_or(-1), 0);
    for (const char *flag : {"--nodes", "--base-port", "--backplane", "--autostart", "--version"})
        QVERIFY2(help->output.contains(QLatin1String(flag)), flag);
    const auto version = AppOptions::parse({QStringLiteral("--version")});
    QVERIFY(version && !version->options);
    QCOMPARE(CommandLine::exitStatus(version).value_or(-1), 0);
    QCOMPARE(version->output, QStringLiteral("farmchat 0.1.0\n"));
}

// One definition behind both programs: the same spelling gives the same
// value or the same usage error (only the ranges are each program's own).
void tst_AppOptions::sharedFlagsReadAsInTheLauncher_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addRow("base port auto") << QStringList {"--base-port", "auto"};
    QTest::addRow("sentinel") << QStringList {"--redis-topology", "sentinel"};
    QTest::addRow("topology junk") << QStringList {"--redis-topology", "cluster"};
    QTest::addRow("base port 0") << QStringList {"--base-port=0"};
    QTest::addRow("base port in both ranges") << QStringList {"--base-port", "9100"};
    QTest::addRow("nodes") << QStringList {"--nodes", "3"};
    QTest::addRow("pub-sub spelling") << QStringList {"--backplane", "Pub-Sub"};
    QTest::addRow("unknown mode") << QStringList {"--backplane", "kafka"};
    QTest::addRow("missing value") << QStringList {"--base-port"};
    QTest::addRow("given twice") << QStringList {"--nodes", "2", "--nodes", "3"};
    QTest::addRow("balancer") << QStringList {"--lb", "sticky"};
    QTest::addRow("unknown balancer") << QStringList {"--lb", "nginx"};
    QTest::addRow("switch with a value") << QStringList {"--help=yes"};
    QTest::addRow("unknown option") << QStringList {"--bogus"};
}

void tst_AppOptions::sharedFlagsReadAsInTheLauncher()
{
    QFETCH(QStringList, arguments);
    const auto app = AppOptions::parse(arguments);
    const auto launcher = LauncherOptions::parse(arguments);
    QCOMPARE(app.ok(), launcher.ok());
    QCOMPARE(app.error(), launcher.error());
    if (!app)
        return;
    const AppOptions &a = *app->options;
    const FarmConfig &farm = launcher->options->farm;
    if (a.nodes)
        QCOMPARE(*a.nodes, farm.nodes);
    if (a.basePort)
        QCOMPARE(*a.basePort, farm.basePort);
    if (a.backplane)
        QCOMPARE(*a.backplane, farm.backplane);
    if (a.loadBalancer)
        QCOMPARE(*a.loadBalancer, farm.loadBalancer);
    if (a.redisTopology)
        QCOMPARE(*a.redisTopology, farm.redisTopology);
}

void tst_AppOptions::commandLineWins()
{
    AppSettings s;
    s.nodes = 4;
    s.basePort = 9200;
    AppOptions options;
    options.nodes = 3;
    options.backplane = BackplaneMode::PubSub;
    options.applyTo(s);
    QCOMPARE(s.nodes, 3);
    QCOMPARE(s.basePort, quint16(9200)); // not given: the remembered one stays
    QCOMPARE(s.backplane, BackplaneMode::PubSub);
}

void tst_AppOptions::autoBasePortIsFreeNow()
{
    AppSettings s;
    s.nodes = 3;
    AppOptions options;
    options.basePort = 0; // --base-port auto
    options.applyTo(s);
    QVERIFY(s.basePort >= AppSettings::kMinPort);
    QVERIFY(AppSettings::portsFit(s.basePort, s.nodes));
    for (int i = 0; i < s.nodes; ++i) {
        QTcpServer probe;
        QVERIFY2(probe.listen(QHostAddress::LocalHost, quint16(s.basePort + i)),
            qPrintable(QStringLiteral("port %1 is taken").arg(s.basePort + i)));
    }
}

void tst_AppOptions::loadBalancerFlags()
{
    const auto parsed = AppOptions::parse({QStringLiteral("--lb"), QStringLiteral("round-robin"),
        QStringLiteral("--skip-negotiation")});
    QVERIFY2(parsed && parsed->options, qPrintable(parsed.error()));
    AppSettings s;
    s.loadBalancer = LbPolicy::Sticky;
    parsed->options->applyTo(s);
    QCOMPARE(s.loadBalancer, LbPolicy::RoundRobin);
    QVERIFY(s.skipNegotiation);
    // Not given: the remembered choices stay.
    AppSettings kept;
    kept.loadBalancer = LbPolicy::Source;
    kept.skipNegotiation = true;
    AppOptions {}.applyTo(kept);
    QCOMPARE(kept.loadBalancer, LbPolicy::Source);
    QVERIFY(kept.skipNegotiation);
}

void tst_AppOptions::redisTopologyFlag()
{
    const auto parsed
        = AppOptions::parse({QStringLiteral("--redis-topology"), QStringLiteral("sentinel")});
    QVERIFY2(parsed && parsed->options, qPrintable(parsed.error()));
    AppSettings s;
    parsed->options->applyTo(s);
    QCOMPARE(s.redisTopology, RedisTopology::Sentinel);
    // Not given: the remembered choice stays.
    AppSettings kept;
    kept.redisTopology = RedisTopology::Sentinel;
    AppOptions {}.applyTo(kept);
    QCOMPARE(kept.redisTopology, RedisTopology::Sentinel);
    const auto bad
        = AppOptions::parse({QStringLiteral("--redis-topology"), QStringLiteral("ring")});
    QVERIFY(!bad);
    QVERIFY2(bad.error().contains(QStringLiteral("redis-topology")), qPrintable(bad.error()));
}

// --scenario takes a bundled scenario's name or a file, read and checked at
// once: a wrong one is a usage error naming the problem.
void tst_AppOptions::scenarioFlagIsCheckedBeforeAnyWindow()
{
    const auto bundled
        = AppOptions::parse({QStringLiteral("--scenario"), QStringLiteral("classic-two-nodes")});
    QVERIFY2(bundled && bundled->options, qPrintable(bundled.error()));
    QCOMPARE(bundled->options->scenario, QStringLiteral("classic-two-nodes"));
    const auto unknown
        = AppOptions::parse({QStringLiteral("--scenario"), QStringLiteral("no-such-story")});
    QVERIFY(!unknown);
    QVERIFY2(
        unknown.error().startsWith(QStringLiteral("--scenario: ")), qPrintable(unknown.error()));
    QVERIFY2(
        unknown.error().contains(QStringLiteral("no-such-story")), qPrintable(unknown.error()));
}

QTEST_GUILESS_MAIN(tst_AppOptions)
#include "tst_appoptions.moc"
