// Redis behind Sentinel, the harder failovers (farmchat-launcher
// --redis-topology sentinel, three farmchat-node processes in streams mode
// with WAIT for the replica, two ChatClients on each, real processes on
// loopback):
// - the primary paused (SIGSTOP: a hang, not a crash) past the detection
//   time under traffic, then resumed: the Sentinels have promoted the
//   replica, the old primary is demoted and rejoins as its replica, and
//   nothing is delivered twice;
// - one Sentinel killed, then the primary: the two left still fail over.
// Each prints one FAULT line with its figures (docs/GUARANTEES.md).
#include "launcher/redisconfig.h"
#include "tests/faults/sentinelfixture.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QTest>

#include <csignal>

using namespace farmchat;
using namespace farmchat::test;

namespace {

constexpr int kWaitMs = TestFarm::kWaitMs;
constexpr int kDownAfterMs = kSentinelDownAfterMs;
constexpr int kTotal = 4000; // one Sentinel down: ~860 messages/s for 4.7 s
// The paused primary: ~300 messages/s for 20 s, so Sends keep coming while
// the old primary is awake again and until it is a replica.
constexpr int kPausedTotal = 6000;
constexpr int kPausedIntervalMs = 20;

Result<void> startStreamsFarm(TestFarm &farm, const SentinelTopology &topology)
{
    farm.redisArgs = {QStringLiteral("--redis-sentinel"), topology.sentinelList()};
    farm.sentinelPassword = topology.sentinelPassword;
    return farm.start(QStringLiteral("streams"), 3, 2, topology.redisPassword,
        {QStringLiteral("--stream-wait-replicas"), QStringLiteral("1"),
            QStringLiteral("--stream-wait-timeout"), QStringLiteral("500")});
}

// Once the pump is done: every Send answered, every accepted message with
// every seat; what the test asserts on.
struct Outcome
{
    Tally tally;
    qint64 accepted = 0;
    qint64 refused = 0;
};

Outcome collect(TestFarm &farm, const Pump &pump, int total)
{
    Outcome out;
    if (!QTest::qWaitFor([&] { return pump.done() && farm.answered() == total; }, 60000))
        qWarning() << "not every Send was answered:" << farm.answered() << "of" << total;
    const QSet<QString> all = farm.accepted();
    farm.waitUntilEveryoneHas(all, 30000);
    farm.settle(1000);
    out.tally = tally(farm, all, false);
    out.accepted = all.size();
    out.refused = total - all.size();
    return out;
}

} // namespace

class tst_SentinelFaultsDegraded : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        const QString missing = TestFarm::missingPrerequisite();
        QVERIFY2(missing.isEmpty(), qPrintable(missing));
        QVERIFY2(!qEnvironmentVariableIsEmpty("FARMCHAT_LAUNCHER_BIN"),
            "FARMCHAT_LAUNCHER_BIN is not set (run through ctest)");
    }

    void primaryPausedThenDemoted()
    {
        SentinelTopology topology;
        FARMCHAT_VERIFY_OK(topology.start());
        TestFarm farm;
        FARMCHAT_VERIFY_OK(startStreamsFarm(farm, topology));
        QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
        const QString oldPrimary = topology.primaryAddress();
        QVERIFY(farm.waitForReaders());

        Pump pump(farm, kPausedTotal, kPausedIntervalMs);
        QTRY_VERIFY_WITH_TIMEOUT(pump.issued() >= kPausedTotal / 6, kWaitMs);
        QElapsedTimer sincePause;
        sincePause.start();
        QCOMPARE(::kill(pid_t(topology.primaryPid), SIGSTOP), 0);
        // The hang outlasts the detection time: the Sentinels promote the
        // replica and every node moves to it while the old primary sleeps.
        const qint64 recoverMs = everyNodeMoved(farm, oldPrimary, sincePause, 30000);
        const qint64 pausedMs = sincePause.elapsed();
        QElapsedTimer sinceResume;
        sinceResume.start();
        QCOMPARE(::kill(pid_t(topology.primaryPid), SIGCONT), 0);
        QVERIFY2(recoverMs >= 0, "a node never moved to the new primary");
        QVERIFY(pausedMs > kDownAfterMs);
        const QString newPrimary = sentinelHealth(farm, 0).value(u"primary").toString();
        QCOMPARE(newPrimary, QStringLiteral("127.0.0.1:%1").arg(topology.replicaPort));

        // The old primary wakes up believing it is the primary; the Sentinels
        // turn it into a replica of the new one once it has been reachable
        // for 8 s (Sentinel's own wait, four hello periods), and it syncs.
        const QString expectedRole = QStringLiteral("slave of %1 (connected)").arg(newPrimary);
        QString role;
        const bool demoted = QTest::qWaitFor(
            [&] { return (role = topology.roleOf(topology.primaryPort)) == expectedRole; },
            scaledMs(30000));
        const qint64 rejoinMs = sinceResume.elapsed();
        QVERIFY2(demoted, qPrintable(QStringLiteral("ROLE of the old primary: ") + role));

        const int issuedAtRejoin = pump.issued();
        const Outcome out = collect(farm, pump, kPausedTotal);
        const FailoverCounts counts = failoverCounts(farm);
        qInfo().noquote() << QStringLiteral(
            "FAULT sentinel-primary-paused streams, WAIT 1 replica: sent=%1 accepted=%2 "
            "refused=%3 %4 unreplicated-warned=%5 paused=%6ms publishing-again=%7ms "
            "(detection %8 ms) node-recovery=%9ms rejoined-as-replica=%10ms after SIGCONT "
            "failovers-seen=%11 historyResets=%12 sent-by-rejoin=%13")
                                 .arg(kPausedTotal)
                                 .arg(out.accepted)
                                 .arg(out.refused)
                                 .arg(out.tally.summary())
                                 .arg(counts.unreplicated)
                                 .arg(pausedMs)
                                 .arg(recoverMs)
                                 .arg(kDownAfterMs)
                                 .arg(counts.nodeRecoveryMs)
                                 .arg(rejoinMs)
                                 .arg(counts.failovers)
                                 .arg(counts.historyResets)
                                 .arg(issuedAtRejoin);
        // Two Sentinels left must both vote for one leader. When both ask
        // for votes at once (each has voted for itself), neither wins and
        // Sentinel retries twice failover-timeout later, each try delayed by
        // up to 1 s at random: the worst case is one such retry.
        const int splitVoteRetryMs = 2 * SentinelConfig::failoverTimeoutMs(kDownAfterMs) + 1000;
        QVERIFY2(recoverMs < scaledMs(kDownAfterMs + splitVoteRetryMs + 3000),
            qPrintable(QStringLiteral("%1 ms").arg(recoverMs)));
        QCOMPARE(counts.failovers, qint64(farm.nodes())); // one failover, seen by each node
        // Writes the sleeping primary took after its demotion was decided are
        // dropped with its data when it resyncs; the nodes re-sent them to the
        // new primary, so no client has anything twice and nothing is lost.
        QCOMPARE(out.tally.duplicated, 0);
        QCOMPARE(out.tally.lost, 0);
        QCOMPARE(out.refused, 0);
        QCOMPARE(counts.historyResets, 0);
        // Traffic ran on while the old primary was awake and until it was a replica.
        QVERIFY(issuedAtRejoin < kPausedTotal);
        for (int s = 0; s < farm.seats(); ++s)
            QCOMPARE(farm.seat(s).disconnects, 0);
    }

    void oneSentinelDownStillFailsOver()
    {
        SentinelTopology topology;
        FARMCHAT_VERIFY_OK(topology.start());
        TestFarm farm;
        FARMCHAT_VERIFY_OK(startStreamsFarm(farm, topology));
        QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
        QVERIFY(farm.waitForReaders());

        // Sentinel 3 goes first; the two left still make the quorum of 2
        // and, with 2 of the 3 known Sentinels, the majority that elects
        // the leader of the failover.
        QCOMPARE(::kill(pid_t(topology.sentinelPids[2]), SIGKILL), 0);
        Pump pump(farm, kTotal, 7);
        QTRY_VERIFY_WITH_TIMEOUT(pump.issued() >= kTotal / 4, kWaitMs);
        QVERIFY(sentinelHealth(farm, 0).value(u"quorum").toBool());
        QElapsedTimer sinceKill;
        sinceKill.start();
        QCOMPARE(::kill(pid_t(topology.primaryPid), SIGKILL), 0);
        const qint64 recoverMs = everyNodeMoved(farm, topology.primaryAddress(), sinceKill, 30000);
        QVERIFY2(recoverMs >= 0, "a node never moved to the new primary");
        const QString newPrimary = sentinelHealth(farm, 0).value(u"primary").toString();
        QCOMPARE(newPrimary, QStringLiteral("127.0.0.1:%1").arg(topology.replicaPort));

        const Outcome out = collect(farm, pump, kTotal);
        const FailoverCounts counts = failoverCounts(farm);
        qInfo().noquote() << QStringLiteral(
            "FAULT sentinel-one-down-primary-kill streams, WAIT 1 replica: sent=%1 accepted=%2 "
            "refused=%3 %4 unreplicated-warned=%5 publishing-again=%6ms (detection %7 ms) "
            "node-recovery=%8ms failovers-seen=%9 historyResets=%10")
                                 .arg(kTotal)
                                 .arg(out.accepted)
                                 .arg(out.refused)
                                 .arg(out.tally.summary())
                                 .arg(counts.unreplicated)
                                 .arg(recoverMs)
                                 .arg(kDownAfterMs)
                                 .arg(counts.nodeRecoveryMs)
                                 .arg(counts.failovers)
                                 .arg(counts.historyResets);
        // Two Sentinels left must both vote for one leader. When both ask
        // for votes at once (each has voted for itself), neither wins and
        // Sentinel retries twice failover-timeout later, each try delayed by
        // up to 1 s at random: the worst case is one such retry.
        const int splitVoteRetryMs = 2 * SentinelConfig::failoverTimeoutMs(kDownAfterMs) + 1000;
        QVERIFY2(recoverMs < scaledMs(kDownAfterMs + splitVoteRetryMs + 3000),
            qPrintable(QStringLiteral("%1 ms").arg(recoverMs)));
        QCOMPARE(counts.failovers, qint64(farm.nodes()));
        QCOMPARE(out.tally.duplicated, 0);
        QCOMPARE(out.tally.lost, 0);
        QCOMPARE(out.refused, 0);
    }
};

QTEST_MAIN(tst_SentinelFaultsDegraded)
#include "tst_sentinelfaults_degraded.moc"
