#include "launcher/managedprocess.h"
#include "platform/processguard.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_UNIX
#include <csignal>
#endif

using namespace farmchat;

// ManagedProcess's state machine against a scriptable child (testchild).
class tst_ManagedProcess : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void endings_data();
    void endings();
    void gracefulStop();
    void stopEscalatesToSigkill();
    void killIsACrashOnRequest();
    void externalSigkillIsACrash();
    void outputLinesRingAndLogFile();
    void standardInputIsFedAndNotInArguments();
    void restartGivesANewRun();
    void markHealthyOnlyWhileStarting();

private:
    std::unique_ptr<ManagedProcess> make(const QStringList &arguments);
    QList<ProcessState> states(const QSignalSpy &spy);

    ProcessGuard m_guard;
    QString m_child;
};

void tst_ManagedProcess::initTestCase()
{
    m_child = qEnvironmentVariable("FARMCHAT_TESTCHILD_BIN");
    QVERIFY2(QFile::exists(m_child),
        "FARMCHAT_TESTCHILD_BIN must name the testchild binary (run through ctest)");
}

std::unique_ptr<ManagedProcess> tst_ManagedProcess::make(const QStringList &arguments)
{
    auto process = std::make_unique<ManagedProcess>(QStringLiteral("child"), m_guard);
    process->setProgram(m_child, arguments);
    return process;
}

QList<ProcessState> tst_ManagedProcess::states(const QSignalSpy &spy)
{
    QList<ProcessState> result;
    for (const QList<QVariant> &arguments : spy)
        result << arguments.at(0).value<ProcessState>();
    return result;
}

void tst_ManagedProcess::endings_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("state");
    QTest::addColumn<QString>("reason");
    QTest::addRow("clean exit") << QStringList {"--print", "bye"} << int(ProcessState::Exited)
                                << "exit code 0";
    QTest::addRow("failure with its why") << QStringList {"--stderr", "port 9090 in use", "--exit",
        "3"} << int(ProcessState::Crashed) << "exit code 3: port 9090 in use";
#ifdef Q_OS_UNIX
    QTest::addRow("abort") << QStringList {"--abort"} << int(ProcessState::Crashed)
                           << "crashed (SIGABRT)";
#endif
}

void tst_ManagedProcess::endings()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, state);
    QFETCH(QString, reason);
    auto process = make(arguments);
    QSignalSpy spy(process.get(), &ManagedProcess::stateChanged);
    process->start();
    QCOMPARE(process->state(), ProcessState::Starting);
    QTRY_COMPARE_WITH_TIMEOUT(int(process->state()), state, 5000);
    QCOMPARE(process->exitReason(), reason);
    QVERIFY(!process->exitWasRequested());
    QCOMPARE(states(spy), (QList<ProcessState> {ProcessState::Starting, ProcessState(state)}));
    QVERIFY(process->pid() > 0);
}

void tst_ManagedProcess::gracefulStop()
{
    auto process = make({"--print", "up", "--sleep", "-1"});
    QSignalSpy spy(process.get(), &ManagedProcess::stateChanged);
    QSignalSpy started(process.get(), &ManagedProcess::started);
    process->start();
    QTRY_COMPARE_WITH_TIMEOUT(started.size(), 1, 5000);
    QCOMPARE(started.at(0).at(0).toLongLong(), process->pid());
    QTRY_VERIFY_WITH_TIMEOUT(process->recentLines().contains(QStringLiteral("up")), 5000);
    process->stop();
    QCOMPARE(process->state(), ProcessState::Stopping);
    QTRY_COMPARE_WITH_TIMEOUT(process->state(), ProcessState::Stopped, 5000);
#ifdef Q_OS_UNIX
    QCOMPARE(process->exitReason(), QStringLiteral("stopped: killed by SIGTERM"));
#endif
    QVERIFY(process->exitWasRequested());
    QCOMPARE(states(spy),
        (QList<ProcessState> {
            ProcessState::Starting, ProcessState::Stopping, ProcessState::Stopped}));
}

void tst_ManagedProcess::stopEscalatesToSigkill()
{
#ifndef Q_OS_UNIX
    QSKIP("SIGTERM cannot be ignored on this OS");
#endif
    auto process = make({"--ignore-term", "--sleep", "-1"});
    process->setStopGraceMs(300);
    process->start();
    QTRY_VERIFY_WITH_TIMEOUT(
        process->recentLines().contains(QStringLiteral("ignoring SIGTERM")), 5000);
    QElapsedTimer clock;
    clock.start();
    process->stop();
    QTRY_COMPARE_WITH_TIMEOUT(process->state(), ProcessState::Stopped, 5000);
    QVERIFY2(clock.elapsed() >= 290, qPrintable(QString::number(clock.elapsed())));
    QVERIFY2(process->exitReason().contains(u"killed by SIGKILL")
            && process->exitReason().contains(u"SIGTERM"),
        qPrintable(process->exitReason()));
}

void tst_ManagedProcess::killIsACrashOnRequest()
{
    auto process = make({"--sleep", "-1"});
    QSignalSpy started(process.get(), &ManagedProcess::started);
    process->start();
    QTRY_COMPARE_WITH_TIMEOUT(started.size(), 1, 5000);
    process->kill();
    QTRY_COMPARE_WITH_TIMEOUT(process->state(), ProcessState::Crashed, 5000);
#ifdef Q_OS_UNIX
    QCOMPARE(process->exitReason(), QStringLiteral("killed by SIGKILL (on request)"));
#endif
    QVERIFY(process->exitWasRequested());
}

void tst_ManagedProcess::externalSigkillIsACrash()
{
#ifndef Q_OS_UNIX
    QSKIP("uses kill(2)");
#else
    auto process = make({"--print", "serving", "--sleep", "-1"});
    process->start();
    QTRY_VERIFY_WITH_TIMEOUT(process->recentLines().contains(QStringLiteral("serving")), 5000);
    QCOMPARE(::kill(pid_t(process->pid()), SIGKILL), 0);
    QTRY_COMPARE_WITH_TIMEOUT(process->state(), ProcessState::Crashed, 5000);
    QCOMPARE(process->exitReason(), QStringLiteral("killed by SIGKILL"));
    QVERIFY(!process->exitWasRequested());
#endif
}

void tst_ManagedProcess::outputLinesRingAndLogFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QStringList arguments;
    const int count = ManagedProcess::kLogCapacity + 50;
    for (int i = 0; i < count; ++i)
        arguments << "--print" << QStringLiteral("line %1").arg(i);
    arguments << "--stderr"
              << "on stderr"
              << "--partial"
              << "no newline";
    auto process = make(arguments);
    process->setLogFile(dir.filePath(QStringLiteral("child.log")));
    QSignalSpy lines(process.get(), &ManagedProcess::logLine);
    process->start();
    QTRY_COMPARE_WITH_TIMEOUT(process->state(), ProcessState::Exited, 5000);
    QCOMPARE(lines.size(), count + 2);
    QCOMPARE(lines.last().at(0).toString(), QStringLiteral("no newline"));
    const QStringList kept = process->recentLines();
    QCOMPARE(kept.size(), ManagedProcess::kLogCapacity);
    QCOMPARE(kept.last(), QStringLiteral("no newline"));
    QCOMPARE(process->recentLines(2), (QStringList {"on stderr", "no newline"}));

    QFile log(dir.filePath(QStringLiteral("child.log")));
    QVERIFY(log.open(QIODevice::ReadOnly));
    const QByteArray text = log.readAll();
    QVERIFY(text.startsWith("=== child started (pid "));
    QVERIFY(text.contains("\nline 0\n"));
    QVERIFY(text.contains(QStringLiteral("\nline %1\n").arg(count - 1).toUtf8()));
    QVERIFY(text.contains("\n=== child ended: exit code 0\n"));
}

void tst_ManagedProcess::standardInputIsFedAndNotInArguments()
{
    const QByteArray secret = "requirepass s3cr3t-value\nport 1234\n";
    auto process = make({"--echo-stdin"});
    process->setStandardInput(secret);
    process->start();
    QTRY_COMPARE_WITH_TIMEOUT(process->state(), ProcessState::Exited, 5000);
    QCOMPARE(process->recentLines(),
        (QStringList {"stdin: requirepass s3cr3t-value", "stdin: port 1234"}));
    QVERIFY(!process->arguments().join(u' ').contains(u"s3cr3t"));

    // Without stdin data the child reads end-of-file at once instead of hanging.
    auto silent = make({"--echo-stdin", "--print", "eof"});
    silent->start();
    QTRY_COMPARE_WITH_TIMEOUT(silent->state(), ProcessState::Exited, 5000);
    QCOMPARE(silent->recentLines(), QStringList {"eof"});
}

void tst_ManagedProcess::restartGivesANewRun()
{
    auto process = make({"--sleep", "-1"});
    QSignalSpy started(process.get(), &ManagedProcess::started);
    process->start();
    QTRY_COMPARE_WITH_TIMEOUT(started.size(), 1, 5000);
    const qint64 firstPid = process->pid();
    QSignalSpy spy(process.get(), &ManagedProcess::stateChanged);
    process->restart();
    QTRY_COMPARE_WITH_TIMEOUT(started.size(), 2, 5000);
    QVERIFY(process->pid() != firstPid);
    QCOMPARE(process->startCount(), 2);
    QCOMPARE(process->state(), ProcessState::Starting);
    QCOMPARE(states(spy),
        (QList<ProcessState> {
            ProcessState::Stopping, ProcessState::Stopped, ProcessState::Starting}));
    QVERIFY(process->exitReason().isEmpty());
    process->stop();
    QTRY_COMPARE_WITH_TIMEOUT(process->state(), ProcessState::Stopped, 5000);
}

void tst_ManagedProcess::markHealthyOnlyWhileStarting()
{
    auto process = make({"--exit", "0"});
    process->markHealthy();
    QCOMPARE(process->state(), ProcessState::Stopped);
    process->start();
    process->markHealthy();
    QCOMPARE(process->state(), ProcessState::Healthy);
    QTRY_COMPARE_WITH_TIMEOUT(process->state(), ProcessState::Exited, 5000);
    process->markHealthy();
    QCOMPARE(process->state(), ProcessState::Exited);
    // Operations on an ended process change nothing.
    process->stop();
    process->kill();
    QCOMPARE(process->state(), ProcessState::Exited);
}

QTEST_GUILESS_MAIN(tst_ManagedProcess)
#include "tst_managedprocess.moc"
