#include "launcher/crashrestarter_p.h"
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
    void backoffGrowsCapsAndGivesUp();
    void stableRunResets();

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
    QCOMPARE(scheduled.first().at(1).toInt(), CrashRestarter::kBackoff.firstDelayMs);
    QCOMPARE(scheduled.first().at(2).toString(), QStringLiteral("exit code 7: boom"));
    QVERIFY(restarted.isEmpty()); // not at once
    QTRY_COMPARE_WITH_TIMEOUT(restarted.size(), 1, 3000);
    QVERIFY(clock.elapsed() >= CrashRestarter::kBackoff.firstDelayMs - 10);
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
    QVERIFY(!QTest::qWaitFor(
        [&] { return restarts > 0; }, CrashRestarter::kBackoff.firstDelayMs + 300));

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
    for (int i = 0; i <= CrashRestarter::kBackoff.maxRetries; ++i)
        restarter.processEnded(process.get());
    QCOMPARE(scheduled.size(), CrashRestarter::kBackoff.maxRetries);
    QCOMPARE(scheduled.last().at(1).toInt(), CrashRestarter::kBackoff.maxDelayMs);
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
    QCOMPARE(scheduled.last().at(1).toInt(), 2 * CrashRestarter::kBackoff.firstDelayMs);
    restarter.userTookOver(process.get());
    restarter.processEnded(process.get());
    QCOMPARE(scheduled.last().at(1).toInt(), CrashRestarter::kBackoff.firstDelayMs);
}

void tst_CrashRestarter::backoffGrowsCapsAndGivesUp()
{
    const Backoff &backoff = CrashRestarter::kBackoff;
    QList<int> delays;
    for (int i = 0; backoff.allowsRetry(i); ++i)
        delays << backoff.delayMs(i);
    QCOMPARE(delays, (QList<int> {500, 1000, 2000, 4000, 8000, 10000, 10000, 10000}));
    // A node that dies at once is not restarted forever.
    QVERIFY(!backoff.allowsRetry(8));
    QVERIFY(!backoff.allowsRetry(9));
}

void tst_CrashRestarter::stableRunResets()
{
    auto process = crashed();
    constexpr qint64 stableRunMs = 1000;
    CrashRestarter restarter([](ManagedProcess *) {}, stableRunMs);
    QSignalSpy scheduled(&restarter, &CrashRestarter::restartScheduled);
    restarter.processEnded(process.get());
    restarter.processEnded(process.get());
    QCOMPARE(scheduled.last().at(1).toInt(), 2 * CrashRestarter::kBackoff.firstDelayMs);
    // The same run, once it has been up for the stable time, ends a recovered one.
    QVERIFY(QTest::qWaitFor(
        [&] { return process->startedAt().msecsTo(QDateTime::currentDateTime()) >= stableRunMs; },
        5000));
    restarter.processEnded(process.get());
    QCOMPARE(scheduled.last().at(1).toInt(), CrashRestarter::kBackoff.firstDelayMs);
}

QTEST_GUILESS_MAIN(tst_CrashRestarter)
#include "tst_crashrestarter.moc"
