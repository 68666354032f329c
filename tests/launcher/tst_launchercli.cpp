#include "tests/support/processinfo.h"
#include "tests/support/testlauncher.h"
#include "tests/support/verifyresult.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace farmchat;
using namespace farmchat::test;

namespace {

QList<qint64> farmPids(const QJsonObject &ready)
{
    QList<qint64> pids;
    for (const QJsonValue &node : ready.value(u"nodes").toArray())
        pids << node.toObject().value(u"pid").toInteger();
    pids << ready.value(u"redis").toObject().value(u"pid").toInteger();
    return pids;
}

} // namespace

// farmchat-launcher run the way a user runs it.
class tst_LauncherCli : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void signalStopsEverything_data();
    void signalStopsEverything();
    void sigkilledLauncherLeavesNoOrphans();
    void takenPortFailsAndStartsNothing();
    void missingRedisServerIsOneLine_data();
    void missingRedisServerIsOneLine();
    void badFlags_data();
    void badFlags();
    void demo_data();
    void demo();
    void demoJsonMatrix();
    void missingHaproxyIsOneLine();
    void loadBalancerDemo_data();
    void loadBalancerDemo();
};

void tst_LauncherCli::initTestCase()
{
    QVERIFY2(QFile::exists(qEnvironmentVariable("FARMCHAT_LAUNCHER_BIN")),
        "FARMCHAT_LAUNCHER_BIN (run through ctest)");
    QVERIFY2(QFile::exists(qEnvironmentVariable("FARMCHAT_NODE_BIN")),
        "FARMCHAT_NODE_BIN (run through ctest)");
}

void tst_LauncherCli::signalStopsEverything_data()
{
    QTest::addColumn<int>("signal");
    QTest::addRow("Ctrl-C") << int(SIGINT);
    QTest::addRow("SIGTERM") << int(SIGTERM);
}

void tst_LauncherCli::signalStopsEverything()
{
    QFETCH(int, signal);
    TestLauncher run({"--nodes", "2", "--base-port", "auto", "--json"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    const QJsonObject ready = run.waitForEvent(QStringLiteral("ready"));
    QVERIFY2(!ready.isEmpty(), run.err().constData());
    const QList<qint64> pids = farmPids(ready);
    QCOMPARE(pids.size(), 3);
    for (const qint64 pid : pids)
        QVERIFY(processinfo::isRunning(pid));
    QCOMPARE(ready.value(u"backplane").toString(), QStringLiteral("pubsub"));
    QVERIFY(ready.value(u"startupMs").toInteger() > 0);
    // Redis's dir and the log dir, both under the run's TMPDIR.
    QCOMPARE(run.leftovers().size(), 2);
    const QByteArray password = processinfo::environmentValue(pids[0], "FARMCHAT_REDIS_PASSWORD");
    const QByteArray token = processinfo::environmentValue(pids[0], "FARMCHAT_ADMIN_TOKEN");
    QVERIFY(password.size() >= 32 && token.size() >= 32);

    QCOMPARE(::kill(pid_t(run.pid()), signal), 0);
    QVERIFY(run.waitForExit());
    QCOMPARE(run.exitCode(), 0);
    QVERIFY(!run.waitForEvent(QStringLiteral("stopped"), 0).isEmpty());
    for (const qint64 pid : pids)
        QVERIFY2(!processinfo::isRunning(pid), qPrintable(QString::number(pid)));
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
    QVERIFY(run.allStdoutIsJson());
    // Secrets never reach the output.
    QVERIFY(!run.out().contains(password) && !run.err().contains(password));
    QVERIFY(!run.out().contains(token) && !run.err().contains(token));
}

void tst_LauncherCli::sigkilledLauncherLeavesNoOrphans()
{
    TestLauncher run({"--nodes", "3", "--base-port", "auto", "--json"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    const QJsonObject ready = run.waitForEvent(QStringLiteral("ready"));
    QVERIFY2(!ready.isEmpty(), run.err().constData());
    const QList<qint64> pids = farmPids(ready);
    QCOMPARE(pids.size(), 4);
    QCOMPARE(::kill(pid_t(run.pid()), SIGKILL), 0);
    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(
        std::none_of(pids.cbegin(), pids.cend(), processinfo::isRunning), 2000);
    qInfo("all %lld children gone %lld ms after the launcher was SIGKILLed", qint64(pids.size()),
        clock.elapsed());
}

void tst_LauncherCli::takenPortFailsAndStartsNothing()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const QString freePort = QString::number(probe.serverPort());
    probe.close();
    const QString taken = QString::number(squatter.serverPort());
    TestLauncher run(
        {"--ports", freePort + u',' + taken}, TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QVERIFY(run.waitForExit());
    QVERIFY(run.exitCode() != 0);
    QVERIFY2(run.err().contains(QStringLiteral("port %1 is in use by pid %2")
                                    .arg(taken)
                                    .arg(QCoreApplication::applicationPid())
                                    .toUtf8()),
        run.err().constData());
    QCOMPARE(run.err().count('\n'), 1);
    QVERIFY(run.out().isEmpty()); // no process ever started, so nothing printed
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
}

void tst_LauncherCli::missingRedisServerIsOneLine_data()
{
    QTest::addColumn<bool>("viaEnvironment");
    QTest::addRow("FARMCHAT_REDIS_SERVER=/nonexistent") << true;
    QTest::addRow("not on PATH") << false;
}

void tst_LauncherCli::missingRedisServerIsOneLine()
{
    QFETCH(bool, viaEnvironment);
    QTemporaryDir emptyPath;
    TestLauncher run({"--base-port", "auto"}, TestLauncher::environmentWithoutRedisPassword());
    if (viaEnvironment) {
        run.environment().insert(
            QStringLiteral("FARMCHAT_REDIS_SERVER"), QStringLiteral("/nonexistent"));
    } else {
        run.environment().remove(QStringLiteral("FARMCHAT_REDIS_SERVER"));
        run.environment().insert(QStringLiteral("PATH"), emptyPath.path());
    }
    FARMCHAT_VERIFY_OK(run.start());
    QVERIFY(run.waitForExit());
    QCOMPARE(run.exitCode(), 1);
    const QByteArray err = run.err();
    QCOMPARE(err.count('\n'), 1);
    QVERIFY2(
        err.contains("redis-server not found") && err.contains("install it: "), err.constData());
    QVERIFY(run.out().isEmpty());
    QVERIFY(run.leftovers().isEmpty());
}

void tst_LauncherCli::badFlags_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    QTest::addRow("unknown") << QStringList {"--bogus"} << "bogus";
    QTest::addRow("nodes 0") << QStringList {"--nodes", "0"} << "--nodes";
    QTest::addRow("nodes 17") << QStringList {"--nodes", "17"} << "--nodes";
    QTest::addRow("backplane") << QStringList {"--backplane", "kafka"} << "kafka";
    QTest::addRow("ports") << QStringList {"--ports", "9090,abc"} << "--ports";
    QTest::addRow("password in url")
        << QStringList {"--redis-url", "redis://:hunter2@127.0.0.1:6379/0"}
        << "FARMCHAT_REDIS_PASSWORD";
}

void tst_LauncherCli::badFlags()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    TestLauncher run(arguments, TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QVERIFY(run.waitForExit());
    QCOMPARE(run.exitCode(), 2);
    QVERIFY2(run.err().contains(mentions.toUtf8()), run.err().constData());
    QVERIFY(run.err().contains("Try 'farmchat-launcher --help'."));
    QVERIFY(!run.err().contains("hunter2"));
    QVERIFY(run.leftovers().isEmpty());
}

void tst_LauncherCli::demo_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("modes");
    QTest::addRow("2 nodes, every mode") << QStringList {"--demo", "--nodes", "2"} << 3;
    QTest::addRow("4 nodes, every mode") << QStringList {"--demo", "--nodes", "4"} << 3;
    QTest::addRow("off only") << QStringList {"--demo", "--nodes", "2", "--backplane", "off"} << 1;
}

void tst_LauncherCli::demo()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, modes);
    TestLauncher run(arguments + QStringList {"--base-port", "auto"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QVERIFY(run.waitForExit(60000));
    QVERIFY2(run.exitCode() == 0, run.out().constData());
    const QString out = QString::fromUtf8(run.out());
    QCOMPARE(out.count(QStringLiteral("as promised — PASS")), modes);
    QVERIFY(!out.contains(u"FAIL"));
    QVERIFY(run.err().contains("demo passed"));
    if (modes == 1) {
        // Off shows what is missing: each message only in its own node's pane.
        QVERIFY2(out.contains(u"Backplane off") && out.contains(u"✗"), qPrintable(out));
        QVERIFY(!out.contains(u"Backplane pubsub"));
    }
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
}

void tst_LauncherCli::demoJsonMatrix()
{
    TestLauncher run(
        {"--demo", "--json", "--nodes", "2", "--base-port", "auto", "--demo-modes", "off,pubsub"},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QVERIFY(run.waitForExit(60000));
    QCOMPARE(run.exitCode(), 0);
    QVERIFY(run.allStdoutIsJson());
    QList<QJsonObject> matrices;
    for (const QJsonObject &event : run.events()) {
        if (event.value(u"event").toString() == u"matrix")
            matrices << event;
    }
    QCOMPARE(matrices.size(), 2);
    const QStringList expected[] = {{"delivered", "not-expected", "not-expected", "delivered"},
        {"delivered", "delivered", "delivered", "delivered"}};
    for (int m = 0; m < 2; ++m) {
        QVERIFY(matrices[m].value(u"ok").toBool());
        QStringList states;
        for (const QJsonValue &message : matrices[m].value(u"messages").toArray()) {
            for (const QJsonValue &cell : message.toObject().value(u"cells").toArray())
                states << cell.toObject().value(u"state").toString();
        }
        // Rows are in send order, which may differ from pane order: compare as multisets per mode.
        QStringList sortedStates = states, sortedExpected = expected[m];
        sortedStates.sort();
        sortedExpected.sort();
        QCOMPARE(sortedStates, sortedExpected);
    }
    QCOMPARE(matrices[0].value(u"mode").toString(), QStringLiteral("off"));
    QCOMPARE(matrices[1].value(u"mode").toString(), QStringLiteral("pubsub"));
}

void tst_LauncherCli::missingHaproxyIsOneLine()
{
    TestLauncher run(
        {"--base-port", "auto", "--lb", "sticky"}, TestLauncher::environmentWithoutRedisPassword());
    run.environment().insert(QStringLiteral("FARMCHAT_HAPROXY"), QStringLiteral("/nonexistent"));
    FARMCHAT_VERIFY_OK(run.start());
    QVERIFY(run.waitForExit());
    QCOMPARE(run.exitCode(), 1);
    const QByteArray err = run.err();
    QCOMPARE(err.count('\n'), 1);
    QVERIFY2(err.contains("haproxy not found") && err.contains("install it: ")
            && err.contains("haproxy"),
        err.constData());
    QVERIFY(run.out().isEmpty());
    QVERIFY(run.leftovers().isEmpty());
}

void tst_LauncherCli::loadBalancerDemo_data()
{
    QTest::addColumn<QString>("policy");
    QTest::addRow("round-robin") << "round-robin";
    QTest::addRow("sticky") << "sticky";
}

void tst_LauncherCli::loadBalancerDemo()
{
    // The matrix, then the balancer's chapter; the balancer's temp dir (config,
    // runtime socket) is gone after the clean exit.
    QFETCH(QString, policy);
    TestLauncher run({"--demo", "--demo-modes", "pubsub", "--base-port", "auto", "--lb", policy},
        TestLauncher::environmentWithoutRedisPassword());
    FARMCHAT_VERIFY_OK(run.start());
    QVERIFY(run.waitForExit(60000));
    QVERIFY2(run.exitCode() == 0, QByteArray(run.out() + run.err()).constData());
    const QString out = QString::fromUtf8(run.out());
    QVERIFY2(out.contains(u"haproxy") && out.contains(u"Clients connect to"), qPrintable(out));
    QCOMPARE(out.count(QStringLiteral("lb %1 | ✓").arg(policy)), 4);
    QVERIFY(run.err().contains("load balancer passed"));
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
}

QTEST_GUILESS_MAIN(tst_LauncherCli)
#include "tst_launchercli.moc"
