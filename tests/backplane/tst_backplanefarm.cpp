// A real farm: redis-server and three farmchat-node processes, two ChatClients
// on each node (tests/support TestFarm). What the modes promise, live
// switching, latency, a wrong password and farm-wide history. The faults
// (Redis killed mid-traffic, CLIENT KILL, ...) are in tests/faults.
#include "protocol/hubcontract.h"
#include "tests/support/testfarm.h"
#include "tests/support/timefactor.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QTimer>

#include <algorithm>

using namespace farmchat;
using namespace farmchat::test;

namespace {

constexpr int kWaitMs = TestFarm::kWaitMs;
using Farm = TestFarm;
using Seat = FarmSeat;

QStringList textsIn(const Seat &seat, const QString &room = ChatClient::kLobby)
{
    return seat.textsIn(room);
}

} // namespace

class tst_BackplaneFarm : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        const QString missing = TestFarm::missingPrerequisite();
        QVERIFY2(missing.isEmpty(), qPrintable(missing));
    }

    void modesDeliverWhatTheyPromise_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addRow("off") << "off";
        QTest::addRow("pubsub") << "pubsub";
        QTest::addRow("streams") << "streams";
    }
    void modesDeliverWhatTheyPromise()
    {
        QFETCH(QString, mode);
        Farm farm;
        FARMCHAT_START_FARM(farm, mode);
        if (mode != u"off")
            QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
        constexpr int kRounds = 50;
        QTimer pump;
        int round = 0;
        QObject::connect(&pump, &QTimer::timeout, [&] {
            for (int s = 0; s < farm.seats(); ++s)
                farm.send(s, QStringLiteral("r%1 s%2").arg(round).arg(s));
            if (++round == kRounds)
                pump.stop();
        });
        pump.start(20);
        const int total = kRounds * farm.seats();
        // A real event loop while measuring: QTRY_* polls with 10 ms sleeps,
        // which would show up as latency.
        QVERIFY(runUntil(
            [&] { return round == kRounds && int(farm.accepted().size()) == total; }, kWaitMs));
        farm.settle(500);

        for (int s = 0; s < farm.seats(); ++s) {
            Seat &seat = farm.seat(s);
            const QSet<QString> expected
                = mode == u"off" ? farm.accepted(seat.node) : farm.accepted();
            const QStringList got = textsIn(seat);
            QCOMPARE(got.size(), expected.size()); // exactly once...
            QCOMPARE(seat.duplicatesSuppressed, 0); // ...as the node sent it, too
            QCOMPARE(QSet<QString>(got.begin(), got.end()),
                expected); // ...and only what the mode promises
            for (const ChatMessage &m : seat.messages) {
                if (mode == u"off") {
                    QCOMPARE(m.via, Via::Local);
                    QCOMPARE(m.node, QStringLiteral("node-%1").arg(seat.node));
                } else if (m.node != QStringLiteral("node-%1").arg(seat.node)) {
                    QCOMPARE(viaName(m.via), mode);
                }
            }
            QCOMPARE(seat.disconnects, 0);
        }
        if (mode == u"streams") {
            // One order per room, the same on every client of every node.
            const QStringList order = textsIn(farm.seat(0));
            for (int s = 1; s < farm.seats(); ++s)
                QCOMPARE(textsIn(farm.seat(s)), order);
        }
        for (int i = 0; i < farm.nodes(); ++i) {
            QCOMPARE(farm.metric(i, "farmchat_backplane_dropped_total", "reason=\"gap\""), 0);
            if (mode != u"off")
                QCOMPARE(farm.metric(i, "farmchat_backplane_received_total"),
                    qint64(total - total / farm.nodes()));
            // Lag is measured for what crossed nodes only, not for a node's
            // own messages read back from the stream.
            if (mode != u"off")
                QCOMPARE(farm.metric(i, "farmchat_backplane_lag_ms_count"),
                    qint64(total - total / farm.nodes()));
        }

        // Latency, one message in flight at a time: the path, not queueing.
        // Both ends set TCP_NODELAY (the node on accept, QWebSocket on
        // connect), so small records do not wait for a delayed ACK.
        const int before = int(farm.accepted().size());
        constexpr int kSamples = 120;
        int k = 0;
        QTimer paced;
        QObject::connect(&paced, &QTimer::timeout, [&] {
            farm.send(k % farm.seats(), QStringLiteral("latency %1").arg(k));
            if (++k == kSamples)
                paced.stop();
        });
        paced.start(15);
        QVERIFY(runUntil(
            [&] { return k == kSamples && int(farm.accepted().size()) == before + kSamples; },
            kWaitMs));
        QVERIFY(runUntil(
            [&] {
                for (int s = 0; s < farm.seats(); ++s) {
                    const Seat &seat = farm.seat(s);
                    const QStringList sent = farm.seat((s + 1) % farm.seats()).sent;
                    if (mode != u"off" && !seat.textCount.contains(sent.last()))
                        return false;
                }
                return true;
            },
            kWaitMs));
        QTest::qWait(200);
        QList<double> latencies;
        for (int s = 0; s < farm.seats(); ++s) {
            const Seat &seat = farm.seat(s);
            for (const Seat::Sample &sample : seat.latencies) {
                const bool crossed = sample.node != QStringLiteral("node-%1").arg(seat.node);
                if (sample.text.startsWith(QLatin1String("latency")) && crossed == (mode != u"off"))
                    latencies << sample.us;
            }
        }
        QVERIFY(latencies.size() >= kSamples);
        qInfo().noquote() << QStringLiteral(
            "LATENCY mode=%1 samples=%2 p50=%3ms p99=%4ms (client send -> "
            "client receive, %5, 3 nodes x 2 clients)")
                                 .arg(mode)
                                 .arg(latencies.size())
                                 .arg(percentile(latencies, 0.50) / 1000.0, 0, 'f', 2)
                                 .arg(percentile(latencies, 0.99) / 1000.0, 0, 'f', 2)
                                 .arg(mode == u"off" ? QStringLiteral("same node")
                                                     : QStringLiteral("other nodes"));
    }

    void liveSwitchKeepsEveryClient()
    {
        Farm farm;
        FARMCHAT_START_FARM(farm, QStringLiteral("off"));
        // Without the token, nothing changes.
        QCOMPARE(farm.switchMode(0, QStringLiteral("pubsub"), "wrong").status, 401);
        QCOMPARE(farm.health(0).value(u"backplane").toString(), QStringLiteral("off"));

        const QStringList modes {QStringLiteral("pubsub"), QStringLiteral("streams"),
            QStringLiteral("off"), QStringLiteral("streams"), QStringLiteral("pubsub")};
        int sentSoFar = 0;
        for (const QString &mode : modes) {
            for (int i = 0; i < farm.nodes(); ++i) {
                const HttpReply reply = farm.switchMode(i, mode);
                QVERIFY2(reply.status == 200, reply.body.constData());
                QCOMPARE(farm.health(i).value(u"backplane").toString(), mode);
            }
            if (mode != u"off")
                QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
            QElapsedTimer clock;
            clock.start();
            if (mode == u"streams")
                QVERIFY(farm.waitForReaders()); // every node reads from the room's end
            farm.send(0, QStringLiteral("after switch to ") + mode); // seat 0 is on node 0
            ++sentSoFar;
            QTRY_COMPARE_WITH_TIMEOUT(int(farm.seat(0).sent.size()), sentSoFar, kWaitMs);
            const QString text = farm.seat(0).sent.last();
            for (int s = 0; s < farm.seats(); ++s) {
                if (mode != u"off" || farm.seat(s).node == 0)
                    QTRY_COMPARE_WITH_TIMEOUT(farm.seat(s).textCount.value(text), 1, kWaitMs);
            }
            // Promptly, too: a reader link kept from an earlier streams
            // backplane must not hold the new one behind its blocked XREAD.
            QVERIFY2(clock.elapsed() < scaledMs(2000),
                qPrintable(QStringLiteral("%1: %2 ms").arg(mode).arg(clock.elapsed())));
            if (mode == u"off") {
                QTest::qWait(500);
                for (int s = 0; s < farm.seats(); ++s) {
                    if (farm.seat(s).node != 0)
                        QVERIFY2(
                            !farm.seat(s).textCount.contains(text), "off must not cross nodes");
                }
            }
        }
        for (int s = 0; s < farm.seats(); ++s) {
            QCOMPARE(farm.seat(s).disconnects, 0);
            QVERIFY(farm.seat(s).client->isConnected());
        }
    }

    void wrongPasswordKeepsLocalChat()
    {
        Farm farm;
        FARMCHAT_START_FARM(farm, QStringLiteral("pubsub"), 1, 2, QByteArray("not-the-password"));
        QTRY_VERIFY_WITH_TIMEOUT(farm.health(0)
                                     .value(u"lastBackplaneError")
                                     .toString()
                                     .contains(QStringLiteral("WRONGPASS")),
            kWaitMs);
        const QJsonObject health = farm.health(0);
        QCOMPARE(health.value(u"redisConnected").toBool(), false);
        QVERIFY2(health.value(u"lastBackplaneError")
                     .toString()
                     .contains(QStringLiteral("FARMCHAT_REDIS_PASSWORD")),
            qPrintable(health.value(u"lastBackplaneError").toString()));
        farm.send(0, QStringLiteral("local only"));
        QTRY_COMPARE_WITH_TIMEOUT(farm.seat(1).messages.size(), 1, kWaitMs);
        QTRY_COMPARE(farm.seat(0).warnings,
            QStringList {QStringLiteral("delivered on this node only: Redis unavailable")});
        // The secret shows up nowhere.
        const QByteArray everything = QJsonDocument(health).toJson() + farm.node(0).output()
            + httpRequest("GET", farm.node(0).url(QStringLiteral("/metrics"))).body;
        QVERIFY(!everything.contains("not-the-password"));
        QVERIFY(!everything.contains(farm.redis.password()));
    }

    void historyIsFarmWideInStreams()
    {
        Farm farm;
        FARMCHAT_START_FARM(farm, QStringLiteral("streams"), 2, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
        for (int k = 0; k < 10; ++k)
            farm.send(0, QStringLiteral("h%1").arg(k));
        QTRY_COMPARE_WITH_TIMEOUT(farm.seat(1).messages.size(), 10, kWaitMs);
        const QString fifth = farm.seat(1).messages.at(4).id;
        // Asked on the other node, by the id a client last saw: exactly what came after.
        QUrl url = farm.node(1).url(QStringLiteral("/rooms/lobby/messages"));
        url.setQuery(QStringLiteral("after=%1&limit=100").arg(fifth));
        const HttpReply reply = httpRequest("GET", url);
        QCOMPARE(reply.status, 200);
        const QJsonDocument doc = QJsonDocument::fromJson(reply.body);
        const QJsonArray messages
            = doc.isArray() ? doc.array() : doc.object().value(u"messages").toArray();
        QCOMPARE(messages.size(), 5);
        for (int k = 0; k < 5; ++k)
            QCOMPARE(messages.at(k).toObject().value(u"id").toString(),
                farm.seat(1).messages.at(5 + k).id);
    }

    void historyWhileRedisIsDownSaysSo()
    {
        // streams keeps History in Redis: while Redis is down the node says
        // so (HTTP 503, a hub error) instead of answering with nothing.
        Farm farm;
        FARMCHAT_START_FARM(farm, QStringLiteral("streams"), 1, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.redisConnectedEverywhere(), kWaitMs);
        farm.redis.kill();
        QTRY_VERIFY_WITH_TIMEOUT(!farm.redisConnected(0), kWaitMs);
        const HttpReply reply
            = httpRequest("GET", farm.node(0).url(QStringLiteral("/rooms/lobby/messages")));
        QCOMPARE(reply.status, 503);
        QCOMPARE(QJsonDocument::fromJson(reply.body).object().value(u"error").toString(),
            QStringLiteral(
                "history unavailable: history is unavailable while Redis is unreachable"));
        QString error;
        bool answered = false;
        farm.seat(0).client->connection().invoke(hubcontract::kHistory.name,
            QJsonArray {QStringLiteral("lobby"), QJsonValue::Null, 10},
            [&](const Result<QJsonValue> &r) {
                error = r.error();
                answered = true;
            });
        QTRY_VERIFY_WITH_TIMEOUT(answered, kWaitMs);
        QCOMPARE(
            error, QStringLiteral("History: history is unavailable while Redis is unreachable"));
        QVERIFY(farm.seat(0).client->isConnected());
    }
};

QTEST_GUILESS_MAIN(tst_BackplaneFarm)
#include "tst_backplanefarm.moc"
