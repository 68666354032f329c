// Redis behind Sentinel under a real farm: farmchat-launcher --redis-topology
// sentinel starts a primary, a replica and three Sentinels; three
// farmchat-node processes with ChatClients follow the primary through the
// Sentinels. The primary is SIGKILLed mid-traffic; Sentinels are given a
// wrong password, are unreachable, or lose their quorum. Each failover test
// prints one FAULT line with its figures (docs/GUARANTEES.md).
#include "tests/faults/faultcheck.h"
#include "tests/support/freeport.h"
#include "tests/support/testlauncher.h"
#include "tests/support/timefactor.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QTimer>

#include <csignal>

using namespace farmchat;
using namespace farmchat::test;

namespace {

constexpr int kWaitMs = TestFarm::kWaitMs;
constexpr int kDownAfterMs = 1000;

// The launcher's Sentinel topology, read from its ready event and from the
// Sentinel config it wrote (the test runs as the same user, in its TMPDIR).
struct SentinelTopology
{
    std::unique_ptr<TestLauncher> launcher;
    qint64 primaryPid = 0;
    quint16 primaryPort = 0;
    QList<qint64> sentinelPids;
    QList<quint16> sentinelPorts;
    QByteArray redisPassword;
    QByteArray sentinelPassword;
    QString configDir; // the Sentinels' private directory

    QString sentinelList() const
    {
        QStringList out;
        for (const quint16 port : sentinelPorts)
            out << QStringLiteral("127.0.0.1:%1").arg(port);
        return out.join(u',');
    }

    QString start()
    {
        launcher = std::make_unique<TestLauncher>(QStringList {QStringLiteral("--nodes"),
            QStringLiteral("1"), QStringLiteral("--base-port"), QStringLiteral("0"),
            QStringLiteral("--redis-topology"), QStringLiteral("sentinel"),
            QStringLiteral("--sentinel-down-after"), QString::number(kDownAfterMs),
            QStringLiteral("--json")});
        QString error;
        if (!launcher->start(&error))
            return error;
        const QJsonObject ready = launcher->waitForEvent(QStringLiteral("ready"), 40000);
        if (ready.isEmpty()) {
            QString why;
            for (const QJsonObject &event : launcher->events()) {
                if (event.value(u"message").isString())
                    why += event.value(u"message").toString() + u' ';
            }
            return QStringLiteral("the launcher was not ready: ") + why
                + QString::fromUtf8(launcher->err().right(1000));
        }
        const QJsonObject redis = ready.value(u"redis").toObject();
        if (redis.value(u"topology").toString() != u"sentinel")
            return QStringLiteral("the ready event does not say topology sentinel");
        primaryPid = qint64(redis.value(u"pid").toDouble());
        primaryPort = quint16(redis.value(u"port").toInt());
        for (const QJsonValue &s : redis.value(u"sentinels").toArray()) {
            sentinelPids << qint64(s.toObject().value(u"pid").toDouble());
            sentinelPorts << quint16(s.toObject().value(u"port").toInt());
        }
        if (sentinelPorts.size() != 3 || primaryPid <= 0)
            return QStringLiteral("the ready event lacks the primary or the three Sentinels");
        QDirIterator it(launcher->tempDir(), {QStringLiteral("sentinel-1.conf")}, QDir::Files,
            QDirIterator::Subdirectories);
        if (!it.hasNext())
            return QStringLiteral("no sentinel-1.conf under the launcher's TMPDIR");
        const QString path = it.next();
        // The directory keeps everyone else out; the files in it are the user's alone.
        configDir = QFileInfo(path).absolutePath();
        if (QFile::permissions(configDir)
            & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::ExeGroup
                | QFileDevice::ExeOther))
            return QStringLiteral("%1 is open to others").arg(configDir);
        if (const QString open = filesOpenToOthers(); !open.isEmpty())
            return open;
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return file.errorString();
        for (const QByteArray &line : file.readAll().split('\n')) {
            // Sentinel's rewrite quotes some values.
            const QList<QByteArray> words = line.simplified().replace('"', "").split(' ');
            if (words.size() == 2 && words[0] == "requirepass")
                sentinelPassword = words[1];
            else if (words.size() == 4 && words[0] == "sentinel" && words[1] == "auth-pass")
                redisPassword = words[3];
        }
        if (sentinelPassword.isEmpty() || redisPassword.isEmpty())
            return QStringLiteral("the Sentinel config lacks its passwords");
        return {};
    }

    // Every file in the Sentinels' directory is 0600: the ones the launcher
    // wrote and the ones Sentinel rewrote (a rewrite creates a new file).
    QString filesOpenToOthers() const
    {
        const QFileInfoList files = QDir(configDir).entryInfoList(QDir::Files | QDir::Hidden);
        if (files.isEmpty())
            return QStringLiteral("no files in %1").arg(configDir);
        constexpr QFile::Permissions groupOrOther = QFile::ReadGroup | QFile::WriteGroup
            | QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;
        for (const QFileInfo &file : files) {
            const QFile::Permissions mode = QFile::permissions(file.absoluteFilePath());
            if (mode == QFile::Permissions())
                continue; // replaced between the listing and now: the next look sees it
            if (mode & groupOrOther)
                return QStringLiteral("%1 is open to group or others (permissions 0x%2)")
                    .arg(file.absoluteFilePath())
                    .arg(QString::number(int(mode), 16));
        }
        return {};
    }

    // After a failover every Sentinel has rewritten its config to monitor the
    // new primary; then the rewritten files must still be 0600.
    QString rewrittenConfigsArePrivate(const QString &newPrimary) const
    {
        const QByteArray port = newPrimary.section(u':', -1).toLatin1();
        for (int i = 1; i <= sentinelPorts.size(); ++i) {
            QFile file(QStringLiteral("%1/sentinel-%2.conf").arg(configDir).arg(i));
            if (!file.open(QIODevice::ReadOnly))
                return file.fileName() + QStringLiteral(": ") + file.errorString();
            bool monitorsNew = false;
            for (const QByteArray &line : file.readAll().split('\n')) {
                const QList<QByteArray> words = line.simplified().replace('"', "").split(' ');
                if (words.size() >= 5 && words[0] == "sentinel" && words[1] == "monitor")
                    monitorsNew = words[4] == port;
            }
            if (!monitorsNew)
                return QStringLiteral("%1 does not monitor the new primary %2 yet")
                    .arg(file.fileName(), newPrimary);
        }
        return filesOpenToOthers();
    }
};

class Pump
{
public:
    Pump(TestFarm &farm, int total, int intervalMs) : m_farm(farm), m_total(total)
    {
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            for (int s = 0; s < m_farm.seats() && m_issued < m_total; ++s)
                m_farm.send(s, QStringLiteral("f%1").arg(m_issued++));
            if (m_issued >= m_total)
                m_timer.stop();
        });
        m_timer.start(intervalMs);
    }
    int issued() const { return m_issued; }
    bool done() const { return m_issued >= m_total; }

private:
    TestFarm &m_farm;
    int m_total;
    int m_issued = 0;
    QTimer m_timer;
};

QJsonObject sentinelHealth(TestFarm &farm, int node)
{
    return farm.health(node).value(u"redisSentinel").toObject();
}

qint64 missedByNode(TestFarm &farm, int node, QList<qint64> *perSeat)
{
    QSet<QString> others;
    for (int n = 0; n < farm.nodes(); ++n) {
        if (n != node)
            others.unite(farm.accepted(n));
    }
    qint64 first = -1;
    for (int s = 0; s < farm.seats(); ++s) {
        if (farm.seat(s).node != node)
            continue;
        qint64 missed = 0;
        for (const QString &t : others)
            missed += farm.seat(s).textCount.contains(t) ? 0 : 1;
        perSeat->append(missed);
        if (first < 0)
            first = missed;
    }
    return first;
}

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
        const QString whyNot = topology.start();
        QVERIFY2(whyNot.isEmpty(), qPrintable(whyNot));
        TestFarm farm;
        farm.redisArgs = {QStringLiteral("--redis-sentinel"), topology.sentinelList()};
        farm.sentinelPassword = topology.sentinelPassword;
        QStringList extra;
        if (mode == u"streams")
            extra << QStringLiteral("--stream-wait-replicas") << QStringLiteral("1")
                  << QStringLiteral("--stream-wait-timeout") << QStringLiteral("500");
        FARMCHAT_START_FARM(farm, mode, 3, 2, topology.redisPassword, extra);
        QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
        const QString oldPrimary = QStringLiteral("127.0.0.1:%1").arg(topology.primaryPort);
        QCOMPARE(sentinelHealth(farm, 0).value(u"primary").toString(), oldPrimary);
        QVERIFY(farm.waitForReaders());

        constexpr int kTotal = 6000;
        Pump pump(farm, kTotal, 7); // ~860 messages/s over 6 seats
        QTRY_VERIFY_WITH_TIMEOUT(pump.issued() >= kTotal / 4, kWaitMs);
        qint64 unreplicatedBeforeKill = 0;
        for (int i = 0; i < farm.nodes(); ++i)
            unreplicatedBeforeKill += farm.metric(i, "farmchat_backplane_unreplicated_total");
        const int issuedBeforeKill = pump.issued();
        QElapsedTimer sinceKill;
        sinceKill.start();
        QCOMPARE(::kill(pid_t(topology.primaryPid), SIGKILL), 0);

        // Every node on the new primary, its links up: publishing again.
        qint64 recoverMs = -1;
        QList<bool> moved(farm.nodes(), false);
        while (sinceKill.elapsed() < 30000) {
            bool all = true;
            for (int i = 0; i < farm.nodes(); ++i) {
                if (!moved[i]) {
                    const QJsonObject health = farm.health(i);
                    const QString primary
                        = health.value(u"redisSentinel").toObject().value(u"primary").toString();
                    moved[i] = !primary.isEmpty() && primary != oldPrimary
                        && health.value(u"redisConnected").toBool();
                }
                all = all && moved[i];
            }
            if (all) {
                recoverMs = sinceKill.elapsed();
                break;
            }
            QTest::qWait(20);
        }
        QVERIFY2(recoverMs >= 0, "a node never moved to the new primary");
        const QString newPrimary = sentinelHealth(farm, 0).value(u"primary").toString();
        QString configs;
        QTRY_VERIFY2_WITH_TIMEOUT(
            (configs = topology.rewrittenConfigsArePrivate(newPrimary)).isEmpty(),
            qPrintable(configs), 10000);

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
        int resets = 0;
        for (int s = 0; s < farm.seats(); ++s)
            resets += farm.seat(s).resets;
        qint64 gaps = 0;
        qint64 failovers = 0;
        qint64 nodeRecoveryMs = 0;
        for (int i = 0; i < farm.nodes(); ++i) {
            const QJsonObject sentinel = sentinelHealth(farm, i);
            failovers += sentinel.value(u"failovers").toInt();
            nodeRecoveryMs
                = qMax(nodeRecoveryMs, qint64(sentinel.value(u"lastRecoveryMs").toDouble()));
            if (mode == u"pubsub") {
                QList<qint64> perSeat;
                const qint64 missed = missedByNode(farm, i, &perSeat);
                QCOMPARE(
                    farm.metric(i, "farmchat_backplane_dropped_total", "reason=\"gap\""), missed);
                gaps += missed;
            }
        }
        qint64 unreplicated = 0;
        for (int i = 0; i < farm.nodes(); ++i)
            unreplicated += farm.metric(i, "farmchat_backplane_unreplicated_total");
        qInfo().noquote() << QStringLiteral(
            "FAULT sentinel-primary-kill %1: sent=%2 accepted=%3 refused=%4 %5 gap-counted=%6 "
            "unreplicated-warned=%7 (%13 of the first %14, before the kill) publishing-again=%8ms "
            "(detection %9 ms) node-recovery=%10ms "
            "failovers-seen=%11 historyResets=%12")
                                 .arg(QString::fromLatin1(QTest::currentDataTag()))
                                 .arg(kTotal)
                                 .arg(all.size())
                                 .arg(refused)
                                 .arg(t.summary())
                                 .arg(gaps)
                                 .arg(unreplicated)
                                 .arg(recoverMs)
                                 .arg(kDownAfterMs)
                                 .arg(nodeRecoveryMs)
                                 .arg(failovers)
                                 .arg(resets)
                                 .arg(unreplicatedBeforeKill)
                                 .arg(issuedBeforeKill);
        QCOMPARE(failovers, qint64(farm.nodes())); // each node saw the one failover
        QVERIFY2(recoverMs < scaledMs(kDownAfterMs + 3000),
            qPrintable(QStringLiteral("%1 ms").arg(recoverMs)));
        QCOMPARE(t.duplicated, 0);
        if (mode == u"streams") {
            // Nothing the sender was told was accepted is lost; a message
            // whose replicas did not confirm it warned its sender.
            QCOMPARE(t.lost, 0);
            QCOMPARE(refused, 0); // the outbox held what waited for the new primary
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
        const QString whyNot = topology.start();
        QVERIFY2(whyNot.isEmpty(), qPrintable(whyNot));
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
        const QString whyNot = topology.start();
        QVERIFY2(whyNot.isEmpty(), qPrintable(whyNot));
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
            QString error;
            QVERIFY2(node.start(&error), qPrintable(error));
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
        const QString whyNot = topology.start();
        QVERIFY2(whyNot.isEmpty(), qPrintable(whyNot));
        TestFarm farm;
        farm.redisArgs = {QStringLiteral("--redis-sentinel"), topology.sentinelList()};
        farm.sentinelPassword = topology.sentinelPassword;
        FARMCHAT_START_FARM(farm, QStringLiteral("pubsub"), 1, 1, topology.redisPassword);
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
        farm.send(0, QStringLiteral("still-serving"));
        QTRY_COMPARE_WITH_TIMEOUT(farm.answered(), 1, kWaitMs);
        QCOMPARE(farm.accepted().size(), 1);
        QVERIFY(farm.redisConnected(0)); // the primary itself is fine
    }
};

QTEST_MAIN(tst_SentinelFaults)
#include "tst_sentinelfaults.moc"
