#include "protocol/hubcontract.h"
#include "tests/server/hubtestclient.h"
#include "tests/support/processinfo.h"
#include "tests/support/testhttp.h"
#include "tests/support/testlauncher.h"
#include "tests/support/testredisserver.h"
#include "tests/support/verifyresult.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTcpSocket>
#include <QTest>

using namespace farmchat::test;
namespace hubcontract = farmchat::hubcontract;

// The security defaults of a whole farm as farmchat-launcher starts it:
// everything listens on loopback only, Redis wants its password, the admin
// API its token, and no secret (Redis password, admin token) appears in any
// process's argv, in the launcher's output, in the log files, or on /health
// and /metrics. The secrets are read from the nodes' environments, where the
// launcher puts them, and then looked for everywhere else. Linux: /proc.
class tst_FarmSecurity : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void privateRedisFarm();
    void externalRedisFarm();
    void nodeWarnsBeyondLoopback();

private:
    struct Farm
    {
        QJsonObject ready;
        QList<qint64> nodePids;
        QList<quint16> nodePorts;
        qint64 redisPid = 0; // 0: external
        quint16 redisPort = 0;
        QByteArray redisPassword;
        QByteArray adminToken;
    };
    static Farm readFarm(const QJsonObject &ready);
    static void checkProcesses(qint64 launcherPid, const Farm &farm);
    static void checkNodes(const Farm &farm);
    static void checkOutputs(TestLauncher &launcher, const QString &logDir, const Farm &farm);
    // All three checks, stopping at the first that fails.
    static void checkFarm(TestLauncher &launcher, const QString &logDir, const Farm &farm);
};

namespace {

QByteArray redisExchange(quint16 port, const QByteArray &commands)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(2000))
        return {};
    socket.write(commands);
    QByteArray answer;
    while (socket.waitForReadyRead(500))
        answer += socket.readAll();
    return answer;
}

// Where each secret shows, if anywhere: "argv of pid 42", "node.log".
QStringList leaks(
    const QByteArray &haystack, const QString &where, const QList<QByteArray> &secrets)
{
    QStringList found;
    for (const QByteArray &secret : secrets) {
        if (!secret.isEmpty() && haystack.contains(secret))
            found << where;
    }
    return found;
}

} // namespace

void tst_FarmSecurity::initTestCase()
{
    QVERIFY2(processinfo::isSupported(), "these checks read /proc: Linux only");
}

tst_FarmSecurity::Farm tst_FarmSecurity::readFarm(const QJsonObject &ready)
{
    Farm farm;
    farm.ready = ready;
    for (const QJsonValue &node : ready.value(u"nodes").toArray()) {
        farm.nodePids << node.toObject().value(u"pid").toInteger();
        farm.nodePorts << quint16(node.toObject().value(u"port").toInt());
    }
    const QJsonObject redis = ready.value(u"redis").toObject();
    if (!redis.value(u"external").toBool())
        farm.redisPid = redis.value(u"pid").toInteger();
    farm.redisPort = quint16(redis.value(u"port").toInt());
    if (!farm.nodePids.isEmpty()) {
        farm.redisPassword
            = processinfo::environmentValue(farm.nodePids.first(), "FARMCHAT_REDIS_PASSWORD");
        farm.adminToken
            = processinfo::environmentValue(farm.nodePids.first(), "FARMCHAT_ADMIN_TOKEN");
    }
    return farm;
}

void tst_FarmSecurity::checkProcesses(qint64 launcherPid, const Farm &farm)
{
    QList<qint64> expected = farm.nodePids;
    if (farm.redisPid)
        expected << farm.redisPid;
    QSet<qint64> children;
    for (qint64 pid : processinfo::childPids(launcherPid))
        children.insert(pid);
    QCOMPARE(children, QSet<qint64>(expected.cbegin(), expected.cend()));

    const QList<QByteArray> secrets {farm.redisPassword, farm.adminToken};
    QStringList found;
    for (qint64 pid : QList<qint64> {launcherPid} + expected) {
        found << leaks(
            processinfo::commandLine(pid), QStringLiteral("argv of %1").arg(pid), secrets);
        // Everything listens on loopback, and only there.
        for (const auto &socket : processinfo::listeningSockets(pid))
            QVERIFY2(socket.address.isLoopback(),
                qPrintable(QStringLiteral("pid %1 listens on %2 port %3")
                               .arg(pid)
                               .arg(socket.address.toString())
                               .arg(socket.port)));
    }
    for (qint64 pid : farm.nodePids)
        QVERIFY2(!processinfo::listeningSockets(pid).isEmpty(), "a node that does not listen?");
    if (farm.redisPid) {
        QVERIFY(!processinfo::listeningSockets(farm.redisPid).isEmpty());
        // Redis reads its config from stdin, and needs no secret in its environment.
        found << leaks(
            processinfo::environment(farm.redisPid), QStringLiteral("Redis environment"), secrets);
    }
    QVERIFY2(found.isEmpty(), qPrintable(found.join(u", ")));
}

void tst_FarmSecurity::checkNodes(const Farm &farm)
{
    QVERIFY(farm.redisPassword.size() >= 16);
    QVERIFY(farm.adminToken.size() >= 16);
    // Redis answers nobody without the password.
    const QByteArray refused = redisExchange(farm.redisPort, "PING\r\n");
    QVERIFY2(refused.startsWith("-NOAUTH"), refused.constData());
    QVERIFY(redisExchange(farm.redisPort, "AUTH wrong-password\r\nPING\r\n").startsWith("-"));
    const QByteArray accepted
        = redisExchange(farm.redisPort, "AUTH " + farm.redisPassword + "\r\nPING\r\n");
    QVERIFY2(accepted == "+OK\r\n+PONG\r\n", accepted.constData());

    const QList<QByteArray> secrets {farm.redisPassword, farm.adminToken};
    for (quint16 port : farm.nodePorts) {
        const QUrl base(QStringLiteral("http://127.0.0.1:%1").arg(port));
        for (const char *path : {"/health", "/metrics", "/", "/rooms/lobby/messages"}) {
            const HttpReply reply = httpRequest("GET", base.resolved(QUrl(QLatin1String(path))));
            QCOMPARE(reply.status, 200);
            QVERIFY2(leaks(reply.body, QLatin1String(path), secrets).isEmpty(), path);
        }
        // The admin API takes the farm's token and nothing else.
        const QUrl admin = base.resolved(QUrl(QStringLiteral("/admin/backplane")));
        const QByteArray body = R"({"mode":"streams"})";
        QCOMPARE(httpRequest("PUT", admin, body).status, 401);
        QCOMPARE(httpRequest("PUT", admin, body, {{"Authorization", "Bearer wrong"}}).status, 401);
        QCOMPARE(httpRequest("PUT", admin, body, {{"Authorization", farm.adminToken}}).status, 401);
        QCOMPARE(
            httpRequest("PUT", admin, body, {{"Authorization", "Bearer " + farm.redisPassword}})
                .status,
            401);
        const HttpReply switched
            = httpRequest("PUT", admin, body, {{"Authorization", "Bearer " + farm.adminToken}});
        QVERIFY2(switched.status == 200, switched.body.constData());
        QVERIFY(leaks(switched.body, QStringLiteral("admin answer"), secrets).isEmpty());
    }
    // Traffic across the farm, so the logs have something to say.
    HubTestClient a;
    HubTestClient b;
    QVERIFY(a.connectNegotiated(farm.nodePorts[0]));
    QVERIFY(b.connectNegotiated(farm.nodePorts[1]));
    QVERIFY(a.call(hubcontract::kSend.name, {QStringLiteral("across the farm")}));
    QVERIFY(b.waitForInvocations(hubcontract::kMessageReceived.name, 1, 10000));
}

void tst_FarmSecurity::checkOutputs(TestLauncher &launcher, const QString &logDir, const Farm &farm)
{
    launcher.terminate();
    QVERIFY(launcher.waitForExit());
    QCOMPARE(launcher.exitCode(), 0);
    const QList<QByteArray> secrets {farm.redisPassword, farm.adminToken};
    QStringList found = leaks(launcher.out(), QStringLiteral("launcher stdout"), secrets)
        + leaks(launcher.err(), QStringLiteral("launcher stderr"), secrets);
    int logFiles = 0;
    QDirIterator it(logDir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile file(it.next());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        logFiles += text.isEmpty() ? 0 : 1;
        found << leaks(text, it.fileName(), secrets);
    }
    QVERIFY2(logFiles >= farm.nodePids.size(), qPrintable(QString::number(logFiles)));
    QVERIFY2(found.isEmpty(), qPrintable(found.join(u", ")));
    qInfo("no secret in %d argv, %d log files, the launcher's output, or any /health and /metrics",
        int(farm.nodePids.size() + (farm.redisPid ? 2 : 1)), logFiles);
}

void tst_FarmSecurity::checkFarm(TestLauncher &launcher, const QString &logDir, const Farm &farm)
{
    checkProcesses(launcher.pid(), farm);
    if (QTest::currentTestFailed())
        return;
    checkNodes(farm);
    if (QTest::currentTestFailed())
        return;
    checkOutputs(launcher, logDir, farm);
}

void tst_FarmSecurity::privateRedisFarm()
{
    QTemporaryDir logs;
    TestLauncher launcher(
        {"--nodes", "2", "--base-port", "auto", "--json", "--log-dir", logs.path()});
    FARMCHAT_VERIFY_OK(launcher.start());
    const QJsonObject ready = launcher.waitForEvent(QStringLiteral("ready"));
    QVERIFY2(!ready.isEmpty(), launcher.err().constData());
    const Farm farm = readFarm(ready);
    QVERIFY(farm.redisPid > 0);
    checkFarm(launcher, logs.path(), farm);
}

void tst_FarmSecurity::externalRedisFarm()
{
    TestRedisServer redis;
    FARMCHAT_VERIFY_OK(redis.start());
    QTemporaryDir logs;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(
        QStringLiteral("FARMCHAT_REDIS_PASSWORD"), QString::fromLatin1(redis.password()));
    TestLauncher launcher({"--nodes", "2", "--base-port", "auto", "--json", "--log-dir",
                              logs.path(), "--redis-url", redis.url()},
        environment);
    FARMCHAT_VERIFY_OK(launcher.start());
    const QJsonObject ready = launcher.waitForEvent(QStringLiteral("ready"));
    QVERIFY2(!ready.isEmpty(), launcher.err().constData());
    Farm farm = readFarm(ready);
    QCOMPARE(farm.redisPid, 0);
    QVERIFY(farm.redisPort == 0 || farm.redisPort == redis.port());
    farm.redisPort = redis.port();
    QCOMPARE(farm.redisPassword, redis.password()); // the one the user gave, and only there
    QVERIFY(!launcher.err().contains("beyond this machine")); // loopback: nothing to warn about
    checkFarm(launcher, logs.path(), farm);
}

void tst_FarmSecurity::nodeWarnsBeyondLoopback()
{
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: the node warns,
    // then cannot listen, so nothing is exposed while the warning is checked.
    QProcess node;
    node.start(qEnvironmentVariable("FARMCHAT_NODE_BIN"), {"--bind", "192.0.2.1", "--port", "0"});
    QVERIFY(node.waitForFinished(10000));
    const QByteArray err = node.readAllStandardError();
    QCOMPARE(node.exitCode(), 3);
    for (const char *part : {"--bind 192.0.2.1 exposes this node beyond this machine", "the chat",
             "history", "/health", "/metrics", "unencrypted"})
        QVERIFY2(err.contains(part), err.constData());

    QProcess loopback;
    loopback.start(qEnvironmentVariable("FARMCHAT_NODE_BIN"), {"--port", "0"});
    QVERIFY(loopback.waitForReadyRead(10000));
    const QByteArray listening = loopback.readAllStandardOutput();
    QVERIFY2(listening.startsWith("listening http://127.0.0.1:"), listening.constData());
    loopback.terminate();
    QVERIFY(loopback.waitForFinished(5000));
    QVERIFY(!loopback.readAllStandardError().contains("warning"));
}

QTEST_GUILESS_MAIN(tst_FarmSecurity)
#include "tst_farmsecurity.moc"
