#include "launcher/haproxyconfig.h"
#include "launcher/haproxyruntime.h"
#include "launcher/launcheroptions.h"
#include "launcher/lbpolicy.h"
#include "protocol/limits.h"

#include <QTest>

using namespace farmchat;

// The generated HAProxy config, the runtime API's "show stat" reader and the
// --lb flags; tests/e2e/loadbalancer.test.mjs runs them against a real haproxy.
class tst_HaproxyConfig : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void policyNames();
    void config_data();
    void config();
    void tunnelOutlivesKeepAlive();
    void serversThroughLinkProxies();
    void parseServers();
    void parseServersRefusesOtherText();
    void lbFlags_data();
    void lbFlags();
    void lbFlagErrors_data();
    void lbFlagErrors();
};

void tst_HaproxyConfig::policyNames()
{
    for (const QString &name : lbPolicyNames()) {
        const auto policy = parseLbPolicy(name);
        QVERIFY(policy);
        QCOMPARE(lbPolicyName(policy.value()), name);
    }
    QVERIFY(parseLbPolicy(QStringLiteral("Sticky")));
    const auto bad = parseLbPolicy(QStringLiteral("random"));
    QVERIFY(!bad);
    QVERIFY(bad.error().contains(u"round-robin"));
}

void tst_HaproxyConfig::config_data()
{
    QTest::addColumn<LbPolicy>("policy");
    QTest::addColumn<QStringList>("present");
    QTest::addColumn<QStringList>("absent");
    QTest::addRow("round-robin") << LbPolicy::RoundRobin << QStringList {"balance roundrobin"}
                                 << QStringList {"cookie", "balance source"};
    QTest::addRow("sticky") << LbPolicy::Sticky
                            << QStringList {"balance roundrobin",
                                   "cookie FARMCHAT_NODE insert indirect nocache httponly dynamic",
                                   "dynamic-cookie-key k3y",
                                   "server node-9090 127.0.0.1:9090 check cookie node-9090"}
                            << QStringList {"balance source"};
    // Consistent hashing: HAProxy adds servers at runtime only with a dynamic algorithm.
    QTest::addRow("source") << LbPolicy::Source
                            << QStringList {"balance source", "hash-type consistent"}
                            << QStringList {"cookie", "balance roundrobin"};
}

void tst_HaproxyConfig::config()
{
    QFETCH(LbPolicy, policy);
    QFETCH(QStringList, present);
    QFETCH(QStringList, absent);
    HaproxyConfig config;
    config.policy = policy;
    config.port = 8080;
    config.socketPath = QStringLiteral("/tmp/x/runtime.sock");
    config.nodePorts = {9090, 9091};
    config.dynamicCookieKey = "k3y";
    const QString text = QString::fromUtf8(config.toConfigText());
    // A node added while running is checked like the config's (no default-server for it).
    QCOMPARE(config.addServerCommand(9092, 40001),
        QStringLiteral("add server nodes/node-9092 127.0.0.1:40001 check inter 1000ms fastinter "
                       "250ms fall 2 rise 1 on-marked-down shutdown-sessions"));
    present << QStringLiteral("bind 127.0.0.1:8080")
            << QStringLiteral("stats socket /tmp/x/runtime.sock mode 600 level admin")
            << QStringLiteral("option httpchk") << QStringLiteral("uri /health")
            << QStringLiteral("server node-9090 127.0.0.1:9090 check")
            << QStringLiteral("server node-9091 127.0.0.1:9091 check")
            << QStringLiteral("timeout tunnel");
    for (const QString &line : std::as_const(present))
        QVERIFY2(text.contains(line), qPrintable(line + QStringLiteral(" missing in\n") + text));
    for (const QString &line : std::as_const(absent))
        QVERIFY2(!text.contains(line), qPrintable(line + QStringLiteral(" present in\n") + text));
    // Loopback only, and no stats page on a TCP port.
    QVERIFY(!text.contains(u"0.0.0.0") && !text.contains(u"bind *") && !text.contains(u":::"));
    QVERIFY(!text.contains(u"stats enable"));
}

void tst_HaproxyConfig::serversThroughLinkProxies()
{
    // --link-faults: each server keeps its node's name (and sticky cookie)
    // but is reached at its link proxy's port.
    HaproxyConfig config;
    config.policy = LbPolicy::Sticky;
    config.port = 8080;
    config.socketPath = QStringLiteral("/tmp/x/runtime.sock");
    config.nodePorts = {9090, 9091};
    config.serverPorts = {40001, 40002};
    const QString text = QString::fromUtf8(config.toConfigText());
    QVERIFY2(text.contains(u"server node-9090 127.0.0.1:40001 check cookie node-9090"),
        qPrintable(text));
    QVERIFY2(text.contains(u"server node-9091 127.0.0.1:40002 check cookie node-9091"),
        qPrintable(text));
    QVERIFY(!text.contains(u"127.0.0.1:9090"));
}

void tst_HaproxyConfig::tunnelOutlivesKeepAlive()
{
    // An idle WebSocket hears a Ping every keep-alive; the tunnel must outlast many.
    QVERIFY(HaproxyConfig::kTunnelTimeoutMs > 4 * limits::kKeepAliveMs);
    QVERIFY(HaproxyConfig::kTunnelTimeoutMs > limits::kClientTimeoutMs);
}

void tst_HaproxyConfig::parseServers()
{
    const QString stat
        = QStringLiteral("# pxname,svname,qcur,qmax,scur,smax,slim,stot,status,weight\n"
                         "farm,FRONTEND,,,3,5,,12,OPEN,\n"
                         "nodes,node-9090,0,0,2,3,,7,UP,1\n"
                         "nodes,node-9091,0,0,1,2,,5,DRAIN,0\n"
                         "nodes,node-9092,0,0,0,0,,0,MAINT,1\n"
                         "nodes,BACKEND,0,0,3,5,,12,UP,1\n\n");
    const auto servers = HaproxyRuntime::parseServers(stat, QStringLiteral("nodes"));
    QVERIFY2(servers, qPrintable(servers.error()));
    QCOMPARE(servers->size(), 3);
    QCOMPARE(servers->at(0).name, QStringLiteral("node-9090"));
    QCOMPARE(servers->at(0).sessions, 2);
    QCOMPARE(servers->at(0).totalSessions, 7);
    QVERIFY(servers->at(0).isUp());
    QCOMPARE(servers->at(1).status, QStringLiteral("DRAIN"));
    QVERIFY(!servers->at(2).isUp());
}

void tst_HaproxyConfig::parseServersRefusesOtherText()
{
    QVERIFY(!HaproxyRuntime::parseServers(
        QStringLiteral("Unknown command.\n"), QStringLiteral("nodes")));
    QVERIFY(!HaproxyRuntime::parseServers(QStringLiteral("# a,b\n"), QStringLiteral("nodes")));
}

void tst_HaproxyConfig::lbFlags_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<LbPolicy>("policy");
    QTest::addColumn<int>("port");
    QTest::addRow("default none") << QStringList {} << LbPolicy::None << 0;
    QTest::addRow("round-robin") << QStringList {"--lb", "round-robin"} << LbPolicy::RoundRobin
                                 << 0;
    QTest::addRow("sticky on a port")
        << QStringList {"--lb", "sticky", "--lb-port", "8080"} << LbPolicy::Sticky << 8080;
    QTest::addRow("source, auto port")
        << QStringList {"--lb=source", "--lb-port=auto"} << LbPolicy::Source << 0;
}

void tst_HaproxyConfig::lbFlags()
{
    QFETCH(QStringList, arguments);
    QFETCH(LbPolicy, policy);
    QFETCH(int, port);
    const auto parsed = LauncherOptions::parse(arguments);
    QVERIFY2(parsed, qPrintable(parsed.error()));
    QVERIFY(parsed->options);
    QCOMPARE(parsed->options->farm.loadBalancer, policy);
    QCOMPARE(int(parsed->options->farm.lbPort), port);
}

void tst_HaproxyConfig::lbFlagErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("named");
    QTest::addRow("unknown policy") << QStringList {"--lb", "random"} << "--lb";
    QTest::addRow("port without lb") << QStringList {"--lb-port", "8080"} << "--lb";
    QTest::addRow("haproxy without lb") << QStringList {"--haproxy", "/usr/sbin/haproxy"} << "--lb";
    QTest::addRow("lb port is a node's")
        << QStringList {"--lb", "sticky", "--lb-port", "9090", "--base-port", "9090"} << "9090";
}

void tst_HaproxyConfig::lbFlagErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, named);
    const auto parsed = LauncherOptions::parse(arguments);
    QVERIFY(!parsed);
    QVERIFY2(parsed.error().contains(named), qPrintable(parsed.error()));
}

QTEST_GUILESS_MAIN(tst_HaproxyConfig)
#include "tst_haproxyconfig.moc"
