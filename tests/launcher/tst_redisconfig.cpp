#include "launcher/farmflags.h"
#include "launcher/managedprocess.h"
#include "launcher/redisconfig.h"
#include "launcher/redisinstance.h"
#include "launcher/secret_p.h"
#include "launcher/sentinelgroup.h"
#include "platform/processguard.h"

#include <QRegularExpression>
#include <QTest>

using namespace farmchat;

// The private Redis's configuration: what goes to its stdin, and that the
// password goes nowhere else.
class tst_RedisConfig : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void configText();
    void memoryCap();
    void memorySizes_data();
    void memorySizes();
    void quoting_data();
    void quoting();
    void secrets();
    void passwordNeverInArguments();
    void replicaConfig();
    void sentinelConfig();
    void sentinelArgumentsCarryNoSecret();
    void topologyNames();
};

void tst_RedisConfig::configText()
{
    RedisConfig config;
    config.port = 41234;
    config.password = "abcDEF123";
    config.directory = QStringLiteral("/tmp/farmchat redis");
    const QList<QByteArray> lines = config.toConfigText().split('\n');
    QVERIFY(lines.contains("port 41234"));
    QVERIFY(lines.contains("bind 127.0.0.1 -::1"));
    QVERIFY(lines.contains("protected-mode yes"));
    QVERIFY(lines.contains("requirepass abcDEF123"));
    QVERIFY(lines.contains("save \"\""));
    QVERIFY(lines.contains("appendonly no"));
    QVERIFY(lines.contains("dir \"/tmp/farmchat redis\""));
    QVERIFY(lines.contains("daemonize no"));
    // Nothing that would listen beyond loopback or persist data.
    for (const QByteArray &line : lines) {
        QVERIFY2(!line.startsWith("bind 0.0.0.0") && !line.startsWith("appendonly yes"),
            line.constData());
    }
}

void tst_RedisConfig::memoryCap()
{
    // Capped by default, and full is an error rather than silent eviction.
    RedisConfig config;
    QList<QByteArray> lines = config.toConfigText().split('\n');
    QVERIFY(lines.contains("maxmemory 268435456"));
    QVERIFY(lines.contains("maxmemory-policy noeviction"));
    config.maxMemoryBytes = 8LL << 20;
    lines = config.toConfigText().split('\n');
    QVERIFY(lines.contains("maxmemory 8388608"));
    QVERIFY(!lines.contains("maxmemory 268435456"));
    config.maxMemoryBytes = 0; // Redis' own "no cap"
    QVERIFY(config.toConfigText().split('\n').contains("maxmemory 0"));
}

void tst_RedisConfig::memorySizes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("bytes"); // -1: refused
    QTest::addRow("default") << QStringLiteral("256mb") << qint64(256) * 1024 * 1024;
    QTest::addRow("upper case") << QStringLiteral("1GB") << (qint64(1) << 30);
    QTest::addRow("kb") << QStringLiteral("8192kb") << qint64(8) * 1024 * 1024;
    QTest::addRow("bytes") << QStringLiteral("4194304") << qint64(4194304);
    QTest::addRow("no cap") << QStringLiteral("0") << qint64(0);
    QTest::addRow("too small for Redis") << QStringLiteral("1mb") << qint64(-1);
    QTest::addRow("too big") << QStringLiteral("2048gb") << qint64(-1);
    QTest::addRow("no number") << QStringLiteral("mb") << qint64(-1);
    QTest::addRow("unknown unit") << QStringLiteral("5tb") << qint64(-1);
    QTest::addRow("negative") << QStringLiteral("-5mb") << qint64(-1);
    QTest::addRow("fraction") << QStringLiteral("1.5gb") << qint64(-1);
}

void tst_RedisConfig::memorySizes()
{
    QFETCH(QString, text);
    QFETCH(qint64, bytes);
    const Result<qint64> parsed = FarmFlags::parseMemorySize(text);
    if (bytes < 0) {
        QVERIFY2(!parsed, qPrintable(text));
        QVERIFY(!parsed.error().isEmpty());
        return;
    }
    QVERIFY2(parsed, qPrintable(parsed.error()));
    QCOMPARE(parsed.value(), bytes);
    QCOMPARE(FarmFlags::parseMemorySize(FarmFlags::formatMemorySize(bytes)).value(), bytes);
}

void tst_RedisConfig::quoting_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("quoted");
    QTest::addRow("plain") << QByteArray("/tmp/x") << QByteArray("\"/tmp/x\"");
    QTest::addRow("space") << QByteArray("/a b") << QByteArray("\"/a b\"");
    QTest::addRow("quote") << QByteArray("a\"b") << QByteArray("\"a\\\"b\"");
    QTest::addRow("backslash") << QByteArray("C:\\tmp") << QByteArray("\"C:\\\\tmp\"");
    QTest::addRow("newline cannot inject a directive")
        << QByteArray("x\nrequirepass y") << QByteArray("\"x\\x0arequirepass y\"");
    QTest::addRow("utf8 kept") << QByteArray("/tmp/caf\xc3\xa9")
                               << QByteArray("\"/tmp/caf\xc3\xa9\"");
}

void tst_RedisConfig::quoting()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, quoted);
    QCOMPARE(quoteRedisConfigString(input), quoted);
}

void tst_RedisConfig::secrets()
{
    const QByteArray a = generateSecret();
    const QByteArray b = generateSecret();
    QVERIFY(a.size() >= 32);
    QVERIFY(a != b);
    QVERIFY(QRegularExpression(QStringLiteral("^[A-Za-z0-9]+$"))
                .match(QString::fromLatin1(a))
                .hasMatch());
    QCOMPARE(generateSecret(64).size(), 64);
}

void tst_RedisConfig::passwordNeverInArguments()
{
    ProcessGuard guard;
    RedisInstance redis(QStringLiteral("/usr/bin/redis-server"), guard);
    RedisInstance other(QStringLiteral("/usr/bin/redis-server"), guard);
    QVERIFY(redis.password().size() >= 32);
    QVERIFY(redis.password() != other.password());
    // The config comes through stdin: the command line is only "-".
    QCOMPARE(redis.process()->arguments(), QStringList {QStringLiteral("-")});
    QVERIFY(redis.configText().contains(QByteArray("requirepass " + redis.password() + "\n")));
    QVERIFY(!redis.url().contains(QString::fromLatin1(redis.password())));
    QVERIFY(redis.url().startsWith(QStringLiteral("redis://127.0.0.1:")));
}

void tst_RedisConfig::replicaConfig()
{
    RedisConfig config;
    config.port = 41235;
    config.password = "abcDEF123";
    QVERIFY(!config.toConfigText().contains("masterauth"));
    QVERIFY(!config.toConfigText().contains("replicaof"));
    config.replicated = true;
    QVERIFY(config.toConfigText().split('\n').contains("masterauth abcDEF123"));
    QVERIFY(config.toConfigText().split('\n').contains("repl-diskless-sync-delay 0"));
    QVERIFY(!config.toConfigText().contains("replicaof"));
    config.replicaOf = 41234;
    QVERIFY(config.toConfigText().split('\n').contains("replicaof 127.0.0.1 41234"));
}

void tst_RedisConfig::sentinelConfig()
{
    SentinelConfig config;
    config.port = 26380;
    config.password = "sentinelSecret";
    config.redisPassword = "redisSecret";
    config.primaryPort = 41234;
    config.downAfterMs = 700;
    config.directory = QStringLiteral("/tmp/farmchat sentinel");
    const QList<QByteArray> lines = config.toConfigText().split('\n');
    QVERIFY(lines.contains("port 26380"));
    QVERIFY(lines.contains("bind 127.0.0.1"));
    QVERIFY(lines.contains("requirepass sentinelSecret"));
    QVERIFY(lines.contains("sentinel sentinel-pass sentinelSecret"));
    QVERIFY(lines.contains("sentinel monitor farmchat 127.0.0.1 41234 2"));
    QVERIFY(lines.contains("sentinel auth-pass farmchat redisSecret"));
    QVERIFY(lines.contains("sentinel down-after-milliseconds farmchat 700"));
    QVERIFY(lines.contains("sentinel failover-timeout farmchat 4000"));
    QVERIFY(lines.contains("dir \"/tmp/farmchat sentinel\""));
}

void tst_RedisConfig::sentinelArgumentsCarryNoSecret()
{
    ProcessGuard guard;
    SentinelGroup group(QStringLiteral("/usr/bin/redis-server"), guard);
    QCOMPARE(group.sentinelCount(), 3);
    QVERIFY(group.sentinelPassword().size() >= 32);
    QCOMPARE(group.replica()->process()->name(), QStringLiteral("redis-replica"));
    QCOMPARE(group.sentinelProcess(0)->name(), QStringLiteral("sentinel-1"));
    // Before start() nothing is configured; after it only a path and --sentinel.
    for (int i = 0; i < group.sentinelCount(); ++i) {
        for (const QString &argument : group.sentinelProcess(i)->arguments())
            QVERIFY(!argument.contains(QString::fromLatin1(group.sentinelPassword())));
    }
    QCOMPARE(group.replica()->process()->arguments(), QStringList {QStringLiteral("-")});
}

void tst_RedisConfig::topologyNames()
{
    QCOMPARE(parseRedisTopology(QStringLiteral("single")).value(), RedisTopology::Single);
    QCOMPARE(parseRedisTopology(QStringLiteral("sentinel")).value(), RedisTopology::Sentinel);
    QCOMPARE(parseRedisTopology(QStringLiteral("cluster")).value(), RedisTopology::Cluster);
    QCOMPARE(parseRedisTopology(QStringLiteral("ring")).error(),
        QStringLiteral("'ring' is not a topology (single, sentinel, cluster)"));
    QCOMPARE(redisTopologyName(RedisTopology::Sentinel), QStringLiteral("sentinel"));
    QCOMPARE(redisTopologyName(RedisTopology::Cluster), QStringLiteral("cluster"));
}

QTEST_GUILESS_MAIN(tst_RedisConfig)
#include "tst_redisconfig.moc"
