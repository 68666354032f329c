#include "platform/processguard.h"

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

namespace {

bool isAlive(qint64 pid)
{
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray text = stat.readAll();
    const qsizetype close = text.lastIndexOf(')');
    return close < 0 || text.mid(close + 2, 1) != "Z"; // a zombie is dead, only not reaped yet
}

// A variable from a running process's environment (same user).
QByteArray environmentOf(qint64 pid, const QByteArray &name)
{
    QFile file(QStringLiteral("/proc/%1/environ").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    for (const QByteArray &entry : file.readAll().split('\0')) {
        if (entry.startsWith(QByteArray(name + "=")))
            return entry.mid(name.size() + 1);
    }
    return {};
}

// One farmchat-launcher run with its own TMPDIR (so "nothing left behind"
// can be checked), output captured. Killed on destruction, and with it its
// children: the test never leaves a farm running, even when it fails.
class LauncherRun
{
public:
    explicit LauncherRun(const QStringList &arguments) : m_arguments(arguments)
    {
        m_environment = QProcessEnvironment::systemEnvironment();
        m_environment.insert(QStringLiteral("TMPDIR"), m_tmp.path());
        m_environment.remove(QStringLiteral("FARMCHAT_REDIS_PASSWORD"));
    }
    ~LauncherRun()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    QProcessEnvironment &environment() { return m_environment; }

    bool start()
    {
        m_process.setProcessEnvironment(m_environment);
        m_guard.prepare(m_process);
        m_process.start(qEnvironmentVariable("FARMCHAT_LAUNCHER_BIN"), m_arguments);
        return m_process.waitForStarted(5000);
    }
    // Reads (bounded) until an event named `name` arrives; returns it, or {} on timeout.
    QJsonObject waitForEvent(const QString &name, int timeoutMs = 20000)
    {
        QElapsedTimer clock;
        clock.start();
        for (;;) {
            readEvents();
            for (const QJsonObject &event : std::as_const(m_events)) {
                if (event.value(u"event").toString() == name)
                    return event;
            }
            if (clock.elapsed() > timeoutMs || m_process.state() == QProcess::NotRunning)
                return {};
            m_process.waitForReadyRead(100);
        }
    }
    bool waitForExit(int timeoutMs = 15000)
    {
        const bool done
            = m_process.state() == QProcess::NotRunning || m_process.waitForFinished(timeoutMs);
        readEvents();
        return done;
    }
    int exitCode() const
    {
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    qint64 pid() const { return m_process.processId(); }
    QByteArray out() const { return m_out; }
    QByteArray err() const { return m_err; }
    const QList<QJsonObject> &events() const { return m_events; }
    bool allStdoutIsJson() const { return m_nonJsonLines == 0; }
    // What the run left in its TMPDIR.
    QStringList leftovers() const
    {
        return QDir(m_tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
    }

private:
    void readEvents()
    {
        m_err += m_process.readAllStandardError();
        m_pending += m_process.readAllStandardOutput();
        qsizetype newline;
        while ((newline = m_pending.indexOf('\n')) >= 0) {
            const QByteArray line = m_pending.left(newline);
            m_pending.remove(0, newline + 1);
            m_out += line + '\n';
            const QJsonDocument document = QJsonDocument::fromJson(line);
            if (document.isObject())
                m_events << document.object();
            else
                ++m_nonJsonLines;
        }
    }

    QTemporaryDir m_tmp;
    QStringList m_arguments;
    QProcessEnvironment m_environment;
    ProcessGuard m_guard;
    QProcess m_process;
    QByteArray m_pending;
    QByteArray m_out;
    QByteArray m_err;
    QList<QJsonObject> m_events;
    int m_nonJsonLines = 0;
};

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
    LauncherRun run({"--nodes", "2", "--base-port", "auto", "--json"});
    QVERIFY(run.start());
    const QJsonObject ready = run.waitForEvent(QStringLiteral("ready"));
    QVERIFY2(!ready.isEmpty(), run.err().constData());
    const QList<qint64> pids = farmPids(ready);
    QCOMPARE(pids.size(), 3);
    for (const qint64 pid : pids)
        QVERIFY(isAlive(pid));
    QCOMPARE(ready.value(u"backplane").toString(), QStringLiteral("pubsub"));
    QVERIFY(ready.value(u"startupMs").toInteger() > 0);
    // Redis's dir and the log dir, both under the run's TMPDIR.
    QCOMPARE(run.leftovers().size(), 2);
    const QByteArray password = environmentOf(pids[0], "FARMCHAT_REDIS_PASSWORD");
    const QByteArray token = environmentOf(pids[0], "FARMCHAT_ADMIN_TOKEN");
    QVERIFY(password.size() >= 32 && token.size() >= 32);

    QCOMPARE(::kill(pid_t(run.pid()), signal), 0);
    QVERIFY(run.waitForExit());
    QCOMPARE(run.exitCode(), 0);
    QVERIFY(!run.waitForEvent(QStringLiteral("stopped"), 0).isEmpty());
    for (const qint64 pid : pids)
        QVERIFY2(!isAlive(pid), qPrintable(QString::number(pid)));
    QVERIFY2(run.leftovers().isEmpty(), qPrintable(run.leftovers().join(u' ')));
    QVERIFY(run.allStdoutIsJson());
    // Secrets never reach the output.
    QVERIFY(!run.out().contains(password) && !run.err().contains(password));
    QVERIFY(!run.out().contains(token) && !run.err().contains(token));
}

void tst_LauncherCli::sigkilledLauncherLeavesNoOrphans()
{
    LauncherRun run({"--nodes", "3", "--base-port", "auto", "--json"});
    QVERIFY(run.start());
    const QJsonObject ready = run.waitForEvent(QStringLiteral("ready"));
    QVERIFY2(!ready.isEmpty(), run.err().constData());
    const QList<qint64> pids = farmPids(ready);
    QCOMPARE(pids.size(), 4);
    QCOMPARE(::kill(pid_t(run.pid()), SIGKILL), 0);
    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(std::none_of(pids.cbegin(), pids.cend(), isAlive), 2000);
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
    LauncherRun run({"--ports", freePort + u',' + taken});
    QVERIFY(run.start());
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
    LauncherRun run({"--base-port", "auto"});
    if (viaEnvironment) {
        run.environment().insert(
            QStringLiteral("FARMCHAT_REDIS_SERVER"), QStringLiteral("/nonexistent"));
    } else {
        run.environment().remove(QStringLiteral("FARMCHAT_REDIS_SERVER"));
        run.environment().insert(QStringLiteral("PATH"), emptyPath.path());
    }
    QVERIFY(run.start());
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
    LauncherRun run(arguments);
    QVERIFY(run.start());
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
    LauncherRun run(arguments + QStringList {"--base-port", "auto"});
    QVERIFY(run.start());
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
    LauncherRun run(
        {"--demo", "--json", "--nodes", "2", "--base-port", "auto", "--demo-modes", "off,pubsub"});
    QVERIFY(run.start());
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

QTEST_GUILESS_MAIN(tst_LauncherCli)
#include "tst_launchercli.moc"
