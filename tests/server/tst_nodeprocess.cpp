#include "protocol/hubcontract.h"
#include "tests/server/hubtestclient.h"
#include "tests/support/testhttp.h"
#include "tests/support/testnode.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTest>

#include <algorithm>

#ifdef Q_OS_UNIX
#include <csignal>
#endif

using namespace farmchat;
using namespace farmchat::test;

// The real farmchat-node binary as a user and the launcher run it: its
// listening line, exit codes, graceful stop, secrets, and what it costs.
class tst_NodeProcess : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void listeningLine();
    void nodeIdDefaultsToRealPort();
    void helpAndVersion();
    void badFlagExitsWithTwo_data();
    void badFlagExitsWithTwo();
    void takenPortExitsWithThree();
    void stopSignalClosesClientsAndExitsZero_data();
    void stopSignalClosesClientsAndExitsZero();
    void secretsStayOut();
    void twoNodesWithoutBackplaneDoNotTalk();
    void startupTimeAndIdleMemory();

private:
    static int run(const QStringList &arguments, QByteArray *output,
        const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
};

int tst_NodeProcess::run(
    const QStringList &arguments, QByteArray *output, const QProcessEnvironment &env)
{
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(TestNode::binaryPath(), arguments);
    if (!process.waitForFinished(10000)) {
        process.kill();
        process.waitForFinished(1000);
        return -1;
    }
    *output = process.readAllStandardOutput() + process.readAllStandardError();
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

void tst_NodeProcess::listeningLine()
{
    TestNode node;
    FARMCHAT_VERIFY_OK(node.start());
    QVERIFY(node.port() > 0);
    // Exactly one such line, naming the loopback address and the real port.
    const QByteArray output = node.output();
    QCOMPARE(output.count("listening http://"), 1);
    QVERIFY(output.contains(
        QByteArray("listening http://127.0.0.1:" + QByteArray::number(node.port()) + "\n")));
    QCOMPARE(httpRequest("GET", node.url(QStringLiteral("/health"))).status, 200);
}

void tst_NodeProcess::nodeIdDefaultsToRealPort()
{
    TestNode node;
    FARMCHAT_VERIFY_OK(node.start());
    const QJsonObject health
        = QJsonDocument::fromJson(httpRequest("GET", node.url(QStringLiteral("/health"))).body)
              .object();
    QCOMPARE(health.value(u"node").toString(), QStringLiteral("node-%1").arg(node.port()));
    TestNode named({"--node-id", "kitchen"});
    FARMCHAT_VERIFY_OK(named.start());
    QCOMPARE(QJsonDocument::fromJson(httpRequest("GET", named.url(QStringLiteral("/health"))).body)
                 .object()
                 .value(u"node")
                 .toString(),
        QStringLiteral("kitchen"));
}

void tst_NodeProcess::helpAndVersion()
{
    QByteArray output;
    QCOMPARE(run({"--help"}, &output), 0);
    QVERIFY(output.contains("--port"));
    QVERIFY(output.contains("FARMCHAT_ADMIN_TOKEN"));
    QCOMPARE(run({"--version"}, &output), 0);
    QVERIFY(output.startsWith("farmchat-node "));
}

void tst_NodeProcess::badFlagExitsWithTwo_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("messagePart");
    QTest::addRow("unknown flag") << QStringList {"--frobnicate"} << QByteArray("frobnicate");
    QTest::addRow("bad port") << QStringList {"--port", "70000"} << QByteArray("--port");
    QTest::addRow("streams without redis")
        << QStringList {"--backplane", "streams"} << QByteArray("needs --redis");
    QTest::addRow("password in url") << QStringList {"--redis", "redis://:pw@127.0.0.1:1/0"}
                                     << QByteArray("FARMCHAT_REDIS_PASSWORD");
}

void tst_NodeProcess::badFlagExitsWithTwo()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, messagePart);
    QByteArray output;
    QCOMPARE(run(arguments, &output), 2);
    QVERIFY2(output.contains(messagePart), output.constData());
    QVERIFY(!output.contains("listening"));
}

void tst_NodeProcess::takenPortExitsWithThree()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    const QString port = QString::number(squatter.serverPort());
    QByteArray output;
    QCOMPARE(run({"--port", port}, &output), 3);
    QVERIFY2(output.contains(QByteArray("port " + port.toLatin1() + " is already in use")),
        output.constData());
    QVERIFY(!output.contains("listening"));
}

void tst_NodeProcess::stopSignalClosesClientsAndExitsZero_data()
{
    QTest::addColumn<bool>("interrupt");
    QTest::addRow("SIGTERM") << false;
#ifdef Q_OS_UNIX
    QTest::addRow("SIGINT") << true;
#endif
}

void tst_NodeProcess::stopSignalClosesClientsAndExitsZero()
{
    QFETCH(bool, interrupt);
    TestNode node;
    FARMCHAT_VERIFY_OK(node.start());
    HubTestClient a, b;
    QVERIFY(a.connectNegotiated(node.port()));
    QVERIFY(b.open(node.port()) && b.handshake());
    QElapsedTimer clock;
    clock.start();
    if (interrupt) {
#ifdef Q_OS_UNIX
        QCOMPARE(::kill(pid_t(node.pid()), SIGINT), 0);
#endif
    } else {
        node.terminate();
    }
    for (HubTestClient *client : {&a, &b}) {
        QVERIFY(client->waitForClosed(5000));
        QCOMPARE(client->closeCode(), 1001);
        QVERIFY(client->closeMessage());
        QCOMPARE(client->closeMessage()->error, QStringLiteral("server shutting down"));
        QVERIFY(client->closeMessage()->allowReconnect);
    }
    QVERIFY(node.waitForExit(scaledMs(5000)));
    QCOMPARE(node.exitStatus(), QProcess::NormalExit);
    QCOMPARE(node.exitCode(), 0);
    qInfo("graceful stop with 2 clients took %lld ms", clock.elapsed());
    QVERIFY2(clock.elapsed() < scaledMs(3000), qPrintable(QString::number(clock.elapsed())));
}

void tst_NodeProcess::secretsStayOut()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QByteArray token = "admin-token-do-not-print-31337";
    const QByteArray password = "redis-password-do-not-print-4242";
    env.insert(QStringLiteral("FARMCHAT_ADMIN_TOKEN"), QString::fromLatin1(token));
    env.insert(QStringLiteral("FARMCHAT_REDIS_PASSWORD"), QString::fromLatin1(password));
    TestNode node({"--redis", "redis://127.0.0.1:1/0", "--backplane", "off"}, env);
    FARMCHAT_VERIFY_OK(node.start());
    const HttpReply health = httpRequest("GET", node.url(QStringLiteral("/health")));
    QCOMPARE(
        QJsonDocument::fromJson(health.body).object().value(u"redisConfigured").toBool(), true);
    const HttpReply metrics = httpRequest("GET", node.url(QStringLiteral("/metrics")));
    const HttpReply wrong = httpRequest("PUT", node.url(QStringLiteral("/admin/backplane")), "{}",
        {{"Authorization", "Bearer nope"}});
    QCOMPARE(wrong.status, 401);
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(node.pid()));
    QVERIFY(cmdline.open(QIODevice::ReadOnly));
    const QByteArray argv = cmdline.readAll();
    for (const QByteArray &secret : {token, password}) {
        QVERIFY(!health.body.contains(secret));
        QVERIFY(!metrics.body.contains(secret));
        QVERIFY(!wrong.body.contains(secret));
        QVERIFY(!argv.contains(secret));
    }
    node.terminate();
    QVERIFY(node.waitForExit());
    for (const QByteArray &secret : {token, password})
        QVERIFY(!node.output().contains(secret));
}

void tst_NodeProcess::twoNodesWithoutBackplaneDoNotTalk()
{
    TestNode first, second;
    FARMCHAT_VERIFY_OK(first.start());
    FARMCHAT_VERIFY_OK(second.start());
    HubTestClient onFirst, onSecond;
    QVERIFY(onFirst.connectNegotiated(first.port()));
    QVERIFY(onSecond.connectNegotiated(second.port()));
    QVERIFY(!onFirst.call(hubcontract::kSend.name, {QStringLiteral("from first")})->hasError);
    QVERIFY(!onSecond.call(hubcontract::kSend.name, {QStringLiteral("from second")})->hasError);
    QVERIFY(onFirst.waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QVERIFY(onSecond.waitForInvocations(hubcontract::kMessageReceived.name, 1));
    // Time for a crossing message to show up, were there a path for one.
    QTest::qWait(300);
    QCOMPARE(onFirst.invocations(hubcontract::kMessageReceived.name).size(), 1);
    QCOMPARE(onSecond.invocations(hubcontract::kMessageReceived.name).size(), 1);
    QCOMPARE(onFirst.invocations(hubcontract::kMessageReceived.name)[0]
                 .arguments[0]
                 .toObject()
                 .value(u"text")
                 .toString(),
        QStringLiteral("from first"));
    QCOMPARE(onSecond.invocations(hubcontract::kMessageReceived.name)[0]
                 .arguments[0]
                 .toObject()
                 .value(u"text")
                 .toString(),
        QStringLiteral("from second"));
}

void tst_NodeProcess::startupTimeAndIdleMemory()
{
    QList<qint64> startMs;
    qint64 rssKb = 0;
    for (int i = 0; i < 10; ++i) {
        TestNode node;
        QElapsedTimer clock;
        clock.start();
        FARMCHAT_VERIFY_OK(node.start());
        startMs.append(clock.elapsed());
        if (i == 0) {
            HubTestClient client;
            QVERIFY(client.connectNegotiated(node.port()));
            QVERIFY(client.call(hubcontract::kSend.name, {QStringLiteral("warm up")}));
            client.socket().close();
            QVERIFY(client.waitForClosed());
            QTest::qWait(200);
#ifdef Q_OS_LINUX
            // Linux tells a process's resident memory in /proc; elsewhere only time is measured.
            QFile status(QStringLiteral("/proc/%1/status").arg(node.pid()));
            QVERIFY(status.open(QIODevice::ReadOnly));
            const auto match = QRegularExpression(QStringLiteral("VmRSS:\\s+(\\d+) kB"))
                                   .match(QString::fromLatin1(status.readAll()));
            QVERIFY(match.hasMatch());
            rssKb = match.captured(1).toLongLong();
            QVERIFY2(rssKb > 0 && rssKb < 100 * 1024, qPrintable(QString::number(rssKb)));
#endif
        }
    }
    std::sort(startMs.begin(), startMs.end());
    const qint64 median = (startMs[4] + startMs[5]) / 2;
    qInfo("start to listening: median %lld ms (min %lld, max %lld) over 10 runs; idle RSS %lld kB",
        median, startMs.first(), startMs.last(), rssKb);
    QVERIFY2(median < 2000, qPrintable(QString::number(median)));
}

QTEST_GUILESS_MAIN(tst_NodeProcess)
#include "tst_nodeprocess.moc"
