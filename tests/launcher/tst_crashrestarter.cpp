#include "launcher/crashrestarter.h"
#include "launcher/managedprocess.h"
#include "platform/processguard.h"

#include <QFile>
#include <QSignalSpy>
#include <QTest>

using namespace farmchat;

// Who is brought back after a crash, when, and when not.
class tst_CrashRestarter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void crashIsRestartedAfterTheBackoff();
    void userKillsAndStopsAreLeftAlone();
    void givesUpInsteadOfAStorm();
    void userRestartStartsAFreshCount();

private:
    std::unique_ptr<ManagedProcess> crashed();

    ProcessGuard m_guard;
    QString m_child;
};

void tst_CrashRestarter::initTestCase()
{
    m_child = qEnvironmentVariable("FARMCHAT_TESTCHILD_BIN");
    QVERIFY2(QFile::exists(m_child),
        "FARMCHAT_TESTCHILD_BIN must name the testchild binary (run through ctest)");
}

std::unique_ptr<ManagedProcess> tst_CrashRestarter::crashed()
{
    auto process = std::make_unique<ManagedProcess>(QStringLiteral("node-1"), m_guard);
    process->setProgram(m_child, {"--stderr", "boom", "--exit", "7"});
    process->start();
    if (!QTest::qWaitFor([&] { return process->state() == ProcessState::Crashed; }, 5000))
        qWarning("testchild did not crash");
    return process;
}

void tst_CrashRestarter::crashIsRestartedAfterTheBackoff()
{
    auto process = crashed();
    QList<ManagedProcess *> restarted;
    CrashRestarter restarter([&](ManagedProcess *p) { restarted << p; });
    QSignalSpy scheduled(&restarter, &CrashRestarter::restartScheduled);
    QElapsedTimer clock;
    clock.start();
    restarter.processEnded(process.get());
    QCOMPARE(scheduled.size(), 1);
    QCOMPARE(scheduled.first().at(1).toInt(), RestartBackoff::kFirstDelayMs);
    QCOMPARE(scheduled.first().at(2).toString(), QStringLiteral("exit code 7: boom"));
    QVERIFY(restarted.isEmpty()); // not at once
    QTRY_COMPARE_WITH_TIMEOUT(restarted.size(), 1, 3000);
    QVERIFY(clock.elapsed() >= RestartBackoff::kFirstDelayMs - 10);
    QCOMPARE(restarted.first(), process.get());
}

void tst_CrashRestarter::userKillsAndStopsAreLeftAlone()
{
    auto process = crashed();
    int restarts = 0;
    CrashRestarter restarter([&](ManagedProcess *) { ++restarts; });
    QSignalSpy scheduled(&restarter, &CrashRestarter::restartScheduled);
    restarter.userKilled(process.get());
    restarter.processEnded(process.get());
    QCOMPARE(scheduled.size(), 0);

    // A crash scheduled, then the user kills it before the restart: it stays down.
    auto other = crashed();
    restarter.processEnded(other.get());
    QCOMPARE(scheduled.size(), 1);
    restarter.userKilled(other.get());
    QVERIFY(!QTest::qWaitFor([&] { return restarts > 0; }, RestartBackoff::kFirstDelayMs + 300));

    // Stopped on request is not a crash.
    auto stopped = std::make_unique<ManagedProcess>(QStringLiteral("node-2"), m_guard);
    stopped->setProgram(m_child, {"--sleep", "-1"});
    stopped->start();
    stopped->stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped->state(), ProcessState::Stopped, 5000);
    restarter.processEnded(stopped.get());
    QCOMPARE(scheduled.size(), 1);
}

void tst_CrashRestarter::givesUpInsteadOfAStorm()
{
    auto process = crashed();
    int restarts = 0;
    CrashRestarter restarter([&](ManagedProcess *) { ++restarts; });
    QSignalSpy scheduled(&restarter, &CrashRestarter::restartScheduled);
    QSignalSpy gaveUp(&restarter, &CrashRestarter::gaveUp);
    // It dies within moments of every start.
    for (int i = 0; i <= RestartBackoff::kMaxAttempts; ++i)
        restarter.processEnded(process.get());
    QCOMPARE(scheduled.size(), RestartBackoff::kMaxAttempts);
    QCOMPARE(scheduled.last().at(1).toInt(), RestartBackoff::kMaxDelayMs);
    QCOMPARE(gaveUp.size(), 1);
    QVERIFY2(gaveUp.first().at(1).toString().contains(u"node-1 keeps crashing"),
        qPrintable(gaveUp.first().at(1).toString()));
    QVERIFY(!QTest::qWaitFor([&] { return restarts > 0; }, 800)); // nothing left pending either
}

void tst_CrashRestarter::userRestartStartsAFreshCount()
{
    auto process = crashed();
    CrashRestarter restarter([](ManagedProcess *) {});
    QSignalSpy scheduled(&restarter, &CrashRestarter::restartScheduled);
    restarter.processEnded(process.get());
    restarter.processEnded(process.get());
    QCOMPARE(scheduled.last().at(1).toInt(), 2 * RestartBackoff::kFirstDelayMs);
    restarter.userTookOver(process.get());
    restarter.processEnded(process.get());
    QCOMPARE(scheduled.last().at(1).toInt(), RestartBackoff::kFirstDelayMs);
}

QTEST_GUILESS_MAIN(tst_CrashRestarter)
#include "tst_crashrestarter.moc"
