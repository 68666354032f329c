#include "server/nodeconfig.h"

#include <QTest>

using namespace farmchat;

class tst_NodeConfig : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaults();
    void flags();
    void usageErrors_data();
    void usageErrors();
    void helpAndVersion();
    void secretsFromEnvironment();
    void backplaneDefaultsToPubSubWithRedis();
    void redisThroughSentinel();
    void redisCluster();
    void bindBeyondLoopbackWarns_data();
    void bindBeyondLoopbackWarns();
    void normaliseOrigin_data();
    void normaliseOrigin();

private:
    using Parsed = Result<CommandLineRequest<NodeConfig>>;
    static Parsed parse(const QStringList &args, const QProcessEnvironment &env = {})
    {
        return NodeConfig::parse(args, env);
    }
};

void tst_NodeConfig::defaults()
{
    const Parsed p = parse({});
    QVERIFY(p && p->options);
    QVERIFY(!CommandLine::exitStatus(p)); // it runs
    const NodeConfig &c = *p->options;
    QCOMPARE(c.port, quint16(9090));
    QCOMPARE(c.bindAddress, QHostAddress(QHostAddress::LocalHost));
    QVERIFY(c.nodeId.isEmpty());
    QCOMPARE(c.backplane, BackplaneMode::Off);
    QCOMPARE(c.channelPrefix, QStringLiteral("farmchat"));
    QCOMPARE(c.history, 1000);
    QCOMPARE(c.maxMessageBytes, 32 * 1024);
    QCOMPARE(c.maxConnections, limits::kMaxConnectionsPerNode);
    QCOMPARE(c.sendQueueBytes, limits::kMaxSendQueueBytes);
    QCOMPARE(c.keepAliveMs, 15000);
    QCOMPARE(c.clientTimeoutMs, 30000);
    QCOMPARE(c.handshakeTimeoutMs, limits::kHandshakeTimeoutMs);
    QCOMPARE(c.rateLimit, limits::kInvocationsPerSecond);
    QCOMPARE(c.outboxCapacity, limits::kOutboxCapacity);
    QCOMPARE(c.roomIdleTtlMs, qint64(24) * 3600 * 1000);
    QVERIFY(c.adminToken.isEmpty());
    QVERIFY(p->warnings.isEmpty());
}

void tst_NodeConfig::flags()
{
    const Parsed p = parse({"--port", "0", "--bind", "::1", "--node-id", "alpha.1", "--redis",
        "redis://127.0.0.1:6390/2", "--backplane", "streams", "--channel-prefix", "demo",
        "--history", "50", "--max-message-bytes", "4096", "--allowed-origin",
        "http://LOCALHOST:9091/", "--allowed-origin", "https://example.org:443",
        "--max-connections", "7", "--send-queue-bytes", "65536", "--keepalive-ms", "100",
        "--client-timeout-ms", "300", "--handshake-timeout-ms", "200", "--rate-limit", "5",
        "--outbox", "25", "--room-idle-ttl", "90s"});
    QVERIFY2(p, qPrintable(p.error()));
    const NodeConfig &c = *p->options;
    QCOMPARE(c.port, quint16(0));
    QCOMPARE(c.bindAddress, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(c.bindHostForUrl(), QStringLiteral("[::1]"));
    QCOMPARE(c.nodeId, QStringLiteral("alpha.1"));
    QCOMPARE(c.redisUrl, QStringLiteral("redis://127.0.0.1:6390/2"));
    // A Redis ACL user may be named; only its password is kept out of argv.
    const Parsed acl = parse({"--redis", "redis://farmchat@127.0.0.1:6390/0"});
    QVERIFY2(acl, qPrintable(acl.error()));
    QCOMPARE(acl->options->redisUrl, QStringLiteral("redis://farmchat@127.0.0.1:6390/0"));
    QCOMPARE(c.backplane, BackplaneMode::Streams);
    QCOMPARE(c.channelPrefix, QStringLiteral("demo"));
    QCOMPARE(c.history, 50);
    QCOMPARE(c.maxMessageBytes, 4096);
    QCOMPARE(c.allowedOrigins, (QStringList {"http://localhost:9091", "https://example.org"}));
    QCOMPARE(c.maxConnections, 7);
    QCOMPARE(c.sendQueueBytes, 65536);
    QCOMPARE(c.outboxCapacity, 25);
    QCOMPARE(c.roomIdleTtlMs, 90000);
    for (const auto &[text, ms] : {std::pair {"0", qint64(0)}, {"500ms", qint64(500)},
             {"30m", qint64(1800000)}, {"2h", qint64(7200000)}, {"365d", qint64(31536000000)}}) {
        const Parsed ttl = parse({"--room-idle-ttl", text});
        QVERIFY2(ttl, qPrintable(ttl.error()));
        QCOMPARE(ttl->options->roomIdleTtlMs, ms);
    }
    QCOMPARE(c.keepAliveMs, 100);
    QCOMPARE(c.clientTimeoutMs, 300);
    QCOMPARE(c.handshakeTimeoutMs, 200);
    QCOMPARE(c.rateLimit, 5);
    QVERIFY(!c.bindsBeyondLoopback());
}

void tst_NodeConfig::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("errorPart");
    QTest::addRow("unknown flag") << QStringList {"--bogus"} << "bogus";
    QTest::addRow("port text") << QStringList {"--port", "http"} << "--port";
    QTest::addRow("port too big") << QStringList {"--port", "65536"} << "--port";
    QTest::addRow("port negative") << QStringList {"--port", "-1"} << "--port";
    QTest::addRow("port missing value") << QStringList {"--port"} << "port";
    QTest::addRow("port twice") << QStringList {"--port", "1", "--port", "2"} << "more than once";
    QTest::addRow("positional") << QStringList {"9090"} << "unexpected argument";
    QTest::addRow("bind name") << QStringList {"--bind", "example.com"} << "--bind";
    QTest::addRow("node id with colon") << QStringList {"--node-id", "a:b"} << "--node-id";
    QTest::addRow("node id empty") << QStringList {"--node-id", ""} << "--node-id";
    QTest::addRow("node id too long")
        << QStringList {"--node-id", QString(65, u'n')} << "--node-id";
    QTest::addRow("redis not a url") << QStringList {"--redis", "localhost"} << "--redis";
    QTest::addRow("redis tls") << QStringList {"--redis", "rediss://h:1/0"} << "TLS";
    QTest::addRow("redis password in argv")
        << QStringList {"--redis", "redis://:secret@h:1/0"} << "FARMCHAT_REDIS_PASSWORD";
    QTest::addRow("redis bad db") << QStringList {"--redis", "redis://h:1/x"} << "database";
    // Refused without echoing the URL: the password must not reach stderr either.
    QTest::addRow("redis password and no host")
        << QStringList {"--redis", "redis://:hunter2@/0"} << "FARMCHAT_REDIS_PASSWORD";
    QTest::addRow("backplane unknown") << QStringList {"--backplane", "kafka"} << "--backplane";
    QTest::addRow("backplane needs redis")
        << QStringList {"--backplane", "streams"} << "needs --redis";
    QTest::addRow("history zero") << QStringList {"--history", "0"} << "--history";
    QTest::addRow("max message tiny")
        << QStringList {"--max-message-bytes", "10"} << "--max-message-bytes";
    QTest::addRow("origin with path")
        << QStringList {"--allowed-origin", "http://a:1/x"} << "--allowed-origin";
    QTest::addRow("origin not http")
        << QStringList {"--allowed-origin", "ftp://a"} << "--allowed-origin";
    QTest::addRow("prefix with space")
        << QStringList {"--channel-prefix", "a b"} << "--channel-prefix";
    QTest::addRow("rate zero") << QStringList {"--rate-limit", "0"} << "--rate-limit";
    QTest::addRow("outbox zero") << QStringList {"--outbox", "0"} << "--outbox";
    QTest::addRow("idle ttl without unit")
        << QStringList {"--room-idle-ttl", "60"} << "--room-idle-ttl";
    QTest::addRow("idle ttl unknown unit")
        << QStringList {"--room-idle-ttl", "2w"} << "--room-idle-ttl";
    QTest::addRow("idle ttl negative")
        << QStringList {"--room-idle-ttl", "-5s"} << "--room-idle-ttl";
    QTest::addRow("idle ttl over a year")
        << QStringList {"--room-idle-ttl", "366d"} << "--room-idle-ttl";
    QTest::addRow("send queue tiny")
        << QStringList {"--send-queue-bytes", "1"} << "--send-queue-bytes";
    QTest::addRow("keepalive text") << QStringList {"--keepalive-ms", "fast"} << "--keepalive-ms";
}

void tst_NodeConfig::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, errorPart);
    const Parsed p = parse(args);
    QVERIFY(!p);
    QCOMPARE(CommandLine::exitStatus(p).value_or(-1), 2);
    QVERIFY2(p.error().contains(errorPart), qPrintable(p.error()));
    QVERIFY(!p.error().contains(u"hunter2"));
}

void tst_NodeConfig::helpAndVersion()
{
    const Parsed help = parse({"--help"});
    QVERIFY(help && !help->options);
    QCOMPARE(CommandLine::exitStatus(help).value_or(-1), 0);
    for (const char *flag : {"--port", "--bind", "--node-id", "--redis", "--backplane",
             "--channel-prefix", "--history", "--max-message-bytes", "--allowed-origin",
             "--rate-limit", "--outbox", "--room-idle-ttl", "FARMCHAT_REDIS_PASSWORD"})
        QVERIFY2(help->output.contains(QLatin1String(flag)), flag);
    const Parsed version = parse({"--version"});
    QVERIFY(version && !version->options);
    QCOMPARE(CommandLine::exitStatus(version).value_or(-1), 0);
    QVERIFY(version->output.startsWith(QStringLiteral("farmchat-node 0.")));
}

void tst_NodeConfig::secretsFromEnvironment()
{
    QProcessEnvironment env;
    env.insert(QStringLiteral("FARMCHAT_REDIS_PASSWORD"), QStringLiteral("r3dis"));
    env.insert(QStringLiteral("FARMCHAT_ADMIN_TOKEN"), QStringLiteral("0123456789abcdef0123"));
    const Parsed p = parse({}, env);
    QVERIFY(p && p->options);
    QCOMPARE(p->options->redisPassword, QByteArray("r3dis"));
    QCOMPARE(p->options->adminToken, QByteArray("0123456789abcdef0123"));
    QVERIFY(p->warnings.isEmpty());

    env.insert(QStringLiteral("FARMCHAT_ADMIN_TOKEN"), QStringLiteral("tiny5"));
    const Parsed weak = parse({}, env);
    QVERIFY(weak && weak->options);
    QCOMPARE(weak->warnings.size(), 1);
    QVERIFY(weak->warnings.first().contains(QStringLiteral("FARMCHAT_ADMIN_TOKEN")));
    QVERIFY(!weak->warnings.first().contains(QStringLiteral("tiny5")));
}

void tst_NodeConfig::backplaneDefaultsToPubSubWithRedis()
{
    const Parsed p = parse({"--redis", "redis://127.0.0.1:6379"});
    QVERIFY(p && p->options);
    QCOMPARE(p->options->backplane, BackplaneMode::PubSub);
    const Parsed off = parse({"--redis", "redis://127.0.0.1:6379", "--backplane", "off"});
    QVERIFY(off && off->options);
    QCOMPARE(off->options->backplane, BackplaneMode::Off);
}

void tst_NodeConfig::redisThroughSentinel()
{
    QProcessEnvironment env;
    env.insert(QStringLiteral("FARMCHAT_SENTINEL_PASSWORD"), QStringLiteral("s3ntinel"));
    const Parsed p = parse({"--redis-sentinel", "127.0.0.1:26379,127.0.0.1:26380",
                               "--redis-master-name", "main", "--stream-wait-replicas", "1"},
        env);
    QVERIFY2(p && p->options, qPrintable(p.error()));
    QVERIFY(p->options->hasRedis());
    QCOMPARE(p->options->backplane, BackplaneMode::PubSub);
    QCOMPARE(p->options->redisSentinels, QStringLiteral("127.0.0.1:26379,127.0.0.1:26380"));
    QCOMPARE(p->options->redisMasterName, QStringLiteral("main"));
    QCOMPARE(p->options->sentinelPassword, QByteArray("s3ntinel"));
    QCOMPARE(p->options->streamWaitReplicas, 1);
    QCOMPARE(p->options->streamWaitTimeoutMs, 500);
    const Parsed streams = parse({"--redis-sentinel", "127.0.0.1:26379", "--backplane", "streams"});
    QVERIFY(streams && streams->options);
    QCOMPARE(streams->options->redisMasterName, QStringLiteral("farmchat"));

    const Parsed both
        = parse({"--redis", "redis://127.0.0.1:6379", "--redis-sentinel", "127.0.0.1:1"});
    QVERIFY(!both);
    QVERIFY2(both.error().contains(u"exclude"), qPrintable(both.error()));
    const Parsed bad = parse({"--redis-sentinel", "127.0.0.1:0"});
    QVERIFY(!bad);
    QVERIFY2(bad.error().contains(u"--redis-sentinel"), qPrintable(bad.error()));
    const Parsed noRedis = parse({"--backplane", "streams"});
    QVERIFY(!noRedis);
    QVERIFY2(noRedis.error().contains(u"--redis-sentinel"), qPrintable(noRedis.error()));
}

void tst_NodeConfig::redisCluster()
{
    const Parsed p = parse({"--redis-cluster", "127.0.0.1:7000,127.0.0.1:7001"});
    QVERIFY2(p && p->options, qPrintable(p.error()));
    QVERIFY(p->options->hasRedis());
    QCOMPARE(p->options->backplane, BackplaneMode::PubSub);
    QCOMPARE(p->options->redisCluster, QStringLiteral("127.0.0.1:7000,127.0.0.1:7001"));
    const Parsed streams = parse({"--redis-cluster", "127.0.0.1:7000", "--backplane", "streams"});
    QVERIFY2(streams && streams->options, qPrintable(streams.error()));
    QCOMPARE(streams->options->backplane, BackplaneMode::Streams);
    const Parsed both
        = parse({"--redis-sentinel", "127.0.0.1:1", "--redis-cluster", "127.0.0.1:7000"});
    QVERIFY(!both);
    QVERIFY2(both.error().contains(u"exclude"), qPrintable(both.error()));
    const Parsed bad = parse({"--redis-cluster", "127.0.0.1:70000"});
    QVERIFY(!bad);
    QVERIFY2(bad.error().contains(u"--redis-cluster") && bad.error().contains(u"HOST:PORT"),
        qPrintable(bad.error()));
    const Parsed empty = parse({"--redis-cluster", ","});
    QVERIFY(!empty);
    QVERIFY2(empty.error().contains(u"no cluster address"), qPrintable(empty.error()));
}

void tst_NodeConfig::bindBeyondLoopbackWarns_data()
{
    QTest::addColumn<QString>("bind");
    QTest::addColumn<bool>("warns");
    QTest::addRow("127.0.0.1") << "127.0.0.1" << false;
    QTest::addRow("127.0.0.2") << "127.0.0.2" << false;
    QTest::addRow("localhost") << "localhost" << false;
    QTest::addRow("::1") << "::1" << false;
    QTest::addRow("0.0.0.0") << "0.0.0.0" << true;
    QTest::addRow("::") << "::" << true;
    QTest::addRow("lan") << "192.168.1.20" << true;
}

void tst_NodeConfig::bindBeyondLoopbackWarns()
{
    QFETCH(QString, bind);
    QFETCH(bool, warns);
    const Parsed p = parse({"--bind", bind});
    QVERIFY(p && p->options);
    QCOMPARE(p->options->bindsBeyondLoopback(), warns);
    QCOMPARE(p->warnings.size(), warns ? 1 : 0);
    if (warns)
        QVERIFY(p->warnings.first().contains(QStringLiteral("/metrics")));
}

void tst_NodeConfig::normaliseOrigin_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("origin"); // empty: not an origin
    QTest::addRow("plain") << "http://127.0.0.1:9091"
                           << "http://127.0.0.1:9091";
    QTest::addRow("slash") << "http://127.0.0.1:9091/"
                           << "http://127.0.0.1:9091";
    QTest::addRow("case") << "HTTP://LocalHost:9091"
                          << "http://localhost:9091";
    QTest::addRow("default port") << "http://a.example:80"
                                  << "http://a.example";
    QTest::addRow("https default") << "https://a.example:443"
                                   << "https://a.example";
    QTest::addRow("ipv6") << "http://[::1]:9091"
                          << "http://[::1]:9091";
    QTest::addRow("path") << "http://a/x"
                          << "";
    QTest::addRow("query") << "http://a/?x"
                           << "";
    QTest::addRow("user") << "http://u@a"
                          << "";
    QTest::addRow("null") << "null"
                          << "";
    QTest::addRow("file") << "file:///x"
                          << "";
    QTest::addRow("empty") << ""
                           << "";
}

void tst_NodeConfig::normaliseOrigin()
{
    QFETCH(QString, text);
    QFETCH(QString, origin);
    const auto normalised = NodeConfig::normaliseOrigin(text);
    QCOMPARE(normalised ? normalised.value() : QString(), origin);
    QCOMPARE(normalised.error().isEmpty(), !origin.isEmpty());
}

QTEST_GUILESS_MAIN(tst_NodeConfig)
#include "tst_nodeconfig.moc"
