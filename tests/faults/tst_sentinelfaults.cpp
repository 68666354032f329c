// Redis behind Sentinel under a real farm: farmchat-launcher --redis-topology
// sentinel starts a primary, a replica and three Sentinels; three
// farmchat-node processes with ChatClients follow the primary through the
// Sentinels. The primary is SIGKILLed mid-traffic; Sentinels are given a
// wrong password, are unreachable, or lose their quorum. Each failover test
// prints one FAULT line with its figures (docs/GUARANTEES.md). A paused
// primary and a failover with one Sentinel down: tst_sentinelfaults_degraded.
#include "tests/faults/sentinelfixture.h"
#include "tests/support/freeport.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <csignal>

using namespace farmchat;
using namespace farmchat::test;

namespace {

constexpr int kWaitMs = TestFarm::kWaitMs;
constexpr int kDownAfterMs = kSentinelDownAfterMs;

} // namespace

class tst_SentinelFaults : public QObject
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

    void primaryKilledDuringTraffic_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addRow("pubsub") << "pubsub";
        QTest::addRow("streams, WAIT 1 replica") << "streams";
    }
    void primaryKilledDuringTraffic()
    {
        QFETCH(QString, mode);
        SentinelTopology topology;
        FARMCHAT_VERIFY_OK(topology.start());
        TestFarm farm;
        farm.redisArgs = {QStringLiteral("--redis-sentinel"), topology.sentinelList()};
        farm.sentinelPassword = topology.sentinelPassword;
        QStringList extra;
        if (mode == u"streams")
            extra << QStringLiteral("--stream-wait-replicas") << QStringLiteral("1")
                  << QStringLiteral("--stream-wait-timeout") << QStringLiteral("500");
        FARMCHAT_START_FARM(farm, mode, 3, 2, topology.redisPassword, extra);
        QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
        const QString oldPrimary = topology.primaryAddress();
        QCOMPARE(sentinelHealth(farm, 0).value(u"primary").toString(), oldPrimary);
        QVERIFY(farm.waitForReaders());

        constexpr int kTotal = 10000;
        QElapsedTimer testClock;
        testClock.start();
        Pump pump(farm, kTotal, 7); // ~860 messages/s over 6 seats
        QTRY_VERIFY_WITH_TIMEOUT(pump.issued() >= kTotal / 4, kWaitMs);
        const qint64 unreplicatedBeforeKill = failoverCounts(farm).unreplicated;
        const int issuedBeforeKill = pump.issued();
        QElapsedTimer sinceKill;
        sinceKill.start();
        QCOMPARE(::kill(pid_t(topology.primaryPid), SIGKILL), 0);

        // Every node on the new primary, its links up: publishing again.
        const qint64 recoverMs = everyNodeMoved(farm, oldPrimary, sinceKill, 30000);
        QVERIFY2(recoverMs >= 0, "a node never moved to the new primary");
        const QString newPrimary = sentinelHealth(farm, 0).value(u"primary").toString();
        Result<void> configs;
        QTRY_VERIFY2_WITH_TIMEOUT((configs = topology.rewrittenConfigsArePrivate(newPrimary)).ok(),
            qPrintable(configs.error()), 10000);

        QTRY_VERIFY_WITH_TIMEOUT(pump.done(), 60000);
        QTRY_COMPARE_WITH_TIMEOUT(farm.answered(), kTotal, kWaitMs);
        const QSet<QString> all = farm.accepted();
        const int refused = kTotal - int(all.size());
        if (mode == u"streams") {
            farm.waitUntilEveryoneHas(all, 30000);
            farm.settle(1000);
        } else {
            farm.settle(1500);
        }
        const Tally t = tally(farm, all, false);
        qint64 gaps = 0;
        for (int i = 0; mode == u"pubsub" && i < farm.nodes(); ++i) {
            QList<qint64> perSeat;
            const qint64 missed = missedByNode(farm, i, &perSeat);
            QCOMPARE(farm.metric(i, "farmchat_backplane_dropped_total", "reason=\"gap\""), missed);
            gaps += missed;
        }
        const FailoverCounts counts = failoverCounts(farm);
        qInfo().noquote() << QStringLiteral(
            "FAULT sentinel-primary-kill %1: sent=%2 accepted=%3 refused=%4 %5 gap-counted=%6 "
            "unreplicated-warned=%7 (%13 of the first %14, before the kill) publishing-again=%8ms "
            "(detection %9 ms) node-recovery=%10ms "
            "failovers-seen=%11 historyResets=%12 test-body=%15ms")
                                 .arg(QString::fromLatin1(QTest::currentDataTag()))
                                 .arg(kTotal)
                                 .arg(all.size())
                                 .arg(refused)
                                 .arg(t.summary())
                                 .arg(gaps)
                                 .arg(counts.unreplicated)
                                 .arg(recoverMs)
                                 .arg(kDownAfterMs)
                                 .arg(counts.nodeRecoveryMs)
                                 .arg(counts.failovers)
                                 .arg(counts.historyResets)
                                 .arg(unreplicatedBeforeKill)
                                 .arg(issuedBeforeKill)
                                 .arg(testClock.elapsed());
        const qint64 failovers = counts.failovers;
        QCOMPARE(failovers, qint64(farm.nodes())); // each node saw the one failover
        QVERIFY2(recoverMs < scaledMs(kDownAfterMs + 3000),
            qPrintable(QStringLiteral("%1 ms").arg(recoverMs)));
        QCOMPARE(t.duplicated, 0);
        // A failover refuses no Send: pub/sub answers with the id and a
        // warning, streams' outbox holds what waits for the new primary.
        QCOMPARE(refused, 0);
        if (mode == u"streams") {
            // Nothing the sender was told was accepted is lost; a message
            // whose replicas did not confirm it warned its sender.
            QCOMPARE(t.lost, 0);
        }
        for (int s = 0; s < farm.seats(); ++s)
            QCOMPARE(farm.seat(s).disconnects, 0); // a failover never drops a client
    }

    void waitCost()
    {
        // What WAIT for one replica costs: the same burst of Sends from one
        // client through one streams node, without and with it, on the same
        // primary and replica one after the other. Printed, not asserted.
        SentinelTopology topology;
        FARMCHAT_VERIFY_OK(topology.start());
        constexpr int kBurst = 3000;
        double rates[2] = {0, 0};
        for (const int replicas : {0, 1}) {
            TestFarm farm;
            farm.redisArgs = {QStringLiteral("--redis-sentinel"), topology.sentinelList()};
            farm.sentinelPassword = topology.sentinelPassword;
            FARMCHAT_START_FARM(farm, QStringLiteral("streams"), 1, 1, topology.redisPassword,
                {QStringLiteral("--rate-limit"), QStringLiteral("1000000"),
                    QStringLiteral("--stream-wait-replicas"), QString::number(replicas)});
            QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
            QElapsedTimer clock;
            clock.start();
            for (int k = 0; k < kBurst; ++k)
                farm.send(0, QStringLiteral("w%1-%2").arg(replicas).arg(k));
            QTRY_COMPARE_WITH_TIMEOUT(farm.answered(), kBurst, 60000);
            rates[replicas] = kBurst * 1000.0 / qMax<qint64>(1, clock.elapsed());
            QCOMPARE(farm.accepted().size(), kBurst);
            QCOMPARE(farm.metric(0, "farmchat_backplane_unreplicated_total"), 0);
        }
        qInfo().noquote() << QStringLiteral("FAULT sentinel-wait-cost: %1 Sends from one client, "
                                            "answered/s without WAIT %2, with WAIT 1 replica %3, "
                                            "ratio %4")
                                 .arg(kBurst)
                                 .arg(rates[0], 0, 'f', 0)
                                 .arg(rates[1], 0, 'f', 0)
                                 .arg(rates[1] / rates[0], 0, 'f', 2);
    }

    void sentinelTroubleIsNamed()
    {
        // A wrong Sentinel password, and Sentinels nobody listens on: the
        // node runs, serves its clients, and /health names which and why.
        SentinelTopology topology;
        FARMCHAT_VERIFY_OK(topology.start());
        const quint16 nobody = findFreePort();
        const QString deadList = QStringLiteral("127.0.0.1:%1").arg(nobody);
        struct Case
        {
            QString list;
            QByteArray password;
            QString expected;
        };
        const QList<Case> cases {
            {topology.sentinelList(), "not-the-password",
                QStringLiteral("127.0.0.1:%1").arg(topology.sentinelPorts.first())},
            {deadList, topology.sentinelPassword, deadList},
        };
        for (const Case &c : cases) {
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("FARMCHAT_REDIS_PASSWORD"),
                QString::fromLatin1(topology.redisPassword));
            env.insert(
                QStringLiteral("FARMCHAT_SENTINEL_PASSWORD"), QString::fromLatin1(c.password));
            TestNode node({QStringLiteral("--redis-sentinel"), c.list,
                              QStringLiteral("--backplane"), QStringLiteral("streams")},
                env);
            FARMCHAT_VERIFY_OK(node.start());
            QString problem;
            const bool named = QTest::qWaitFor(
                [&] {
                    const HttpReply reply
                        = httpRequest("GET", node.url(QStringLiteral("/health")), {}, {}, 2000);
                    problem = QJsonDocument::fromJson(reply.body)
                                  .object()
                                  .value(u"redisSentinel")
                                  .toObject()
                                  .value(u"problem")
                                  .toString();
                    return reply.status == 200 && problem.contains(c.expected)
                        && (c.password == "not-the-password"
                                ? problem.contains(u"FARMCHAT_SENTINEL_PASSWORD")
                                : problem.contains(u"refused", Qt::CaseInsensitive));
                },
                10000);
            qInfo().noquote() << "health problem:" << problem;
            QVERIFY2(named, qPrintable(problem));
            QVERIFY(node.isRunning());
        }
    }

    void quorumLostIsShown()
    {
        // One Sentinel killed: two still reach the quorum of 2. Two killed:
        // /health says there is no quorum, and the node keeps serving.
        SentinelTopology topology;
        FARMCHAT_VERIFY_OK(topology.start());
        TestFarm farm;
        farm.redisArgs = {QStringLiteral("--redis-sentinel"), topology.sentinelList()};
        farm.sentinelPassword = topology.sentinelPassword;
        FARMCHAT_START_FARM(farm, QStringLiteral("pubsub"), 1, 2, topology.redisPassword);
        QTRY_VERIFY_WITH_TIMEOUT(sentinelHealth(farm, 0).value(u"quorum").toBool(), kWaitMs);
        QCOMPARE(::kill(pid_t(topology.sentinelPids[2]), SIGKILL), 0);
        QTest::qWait(kDownAfterMs * 3);
        QVERIFY2(sentinelHealth(farm, 0).value(u"quorum").toBool(),
            qPrintable(sentinelHealth(farm, 0).value(u"quorumText").toString()));
        QCOMPARE(::kill(pid_t(topology.sentinelPids[1]), SIGKILL), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!sentinelHealth(farm, 0).value(u"quorum").toBool(), kWaitMs);
        const QJsonObject sentinel = sentinelHealth(farm, 0);
        qInfo().noquote() << "two Sentinels down:" << sentinel.value(u"problem").toString();
        QVERIFY(sentinel.value(u"problem").toString().contains(u"no quorum"));
        // A message sent on the node reaches its other client.
        farm.send(0, QStringLiteral("still-serving"));
        QTRY_COMPARE_WITH_TIMEOUT(farm.answered(), 1, kWaitMs);
        QCOMPARE(farm.accepted().size(), 1);
        QVERIFY(farm.waitUntilEveryoneHas(farm.accepted(), kWaitMs));
        QCOMPARE(farm.seat(1).textsIn().size(), 1);
        QVERIFY(farm.redisConnected(0)); // the primary itself is fine
    }
};

QTEST_MAIN(tst_SentinelFaults)
#include "tst_sentinelfaults.moc"
