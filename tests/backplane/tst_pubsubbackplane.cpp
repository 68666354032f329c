#include "backplane/pubsub/pubsubbackplane_p.h"
#include "backplane/pubsub/pubsubenvelope.h"
#include "redis/redisconnection.h"
#include "tests/backplane/backplaneharness.h"
#include "tests/support/testredisserver.h"
#include "tests/support/verifyresult.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <optional>

using namespace farmchat;
using namespace farmchat::test;

namespace {

QString channelOf(HarnessNode &node, const QString &room)
{
    return node.factory->settings().channelPrefix + QStringLiteral(":room:") + room;
}

// How many of `from`'s messages node `to` never delivered.
qint64 missed(HarnessNode &to, const HarnessNode &from, const QString &room)
{
    qint64 got = 0;
    for (const ChatMessage &m : to.deliveredIn(room))
        got += m.node == from.nodeId ? 1 : 0;
    return from.sequence - got;
}

QByteArray envelope(const QString &origin, const QString &boot, qint64 seq, const QString &room)
{
    PubSubEnvelope e;
    e.origin = origin;
    e.boot = boot;
    e.seq = seq;
    e.message.id = QStringLiteral("%1:%2:%3").arg(origin, boot).arg(seq);
    e.message.room = room;
    e.message.from = QStringLiteral("flooder");
    e.message.text = QStringLiteral("flood %1").arg(seq);
    e.message.node = origin;
    e.message.sentAt = 1;
    e.message.via = Via::PubSub;
    return e.encode();
}

} // namespace

// PubSubBackplane on a real Redis with several in-process nodes: delivery
// across nodes, the own-echo skip, and exact loss accounting in every fault.
class tst_PubSubBackplane : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void crossesNodesOnce()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(
            redis, BackplaneMode::PubSub, 3, {QStringLiteral("lobby"), QStringLiteral("ops")});
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        for (int round = 0; round < 5; ++round) {
            for (int i = 0; i < 3; ++i)
                farm.node(i).publish(
                    QStringLiteral("lobby"), QStringLiteral("hello %1 from %2").arg(round).arg(i));
        }
        farm.node(2).publish(QStringLiteral("ops"), QStringLiteral("ops only"));
        for (int i = 0; i < 3; ++i) {
            HarnessNode &n = farm.node(i);
            QTRY_COMPARE_WITH_TIMEOUT(n.deliveredIn(QStringLiteral("lobby")).size(), 15, 5000);
            QTRY_COMPARE(n.deliveredIn(QStringLiteral("ops")).size(), 1);
            QTRY_COMPARE(n.outcomes.size(), i == 2 ? 6 : 5);
            QSet<QString> ids;
            for (const ChatMessage &m : n.delivered) {
                QVERIFY2(!ids.contains(m.id), qPrintable(m.id));
                ids.insert(m.id);
                // Own messages at once (local), the others' over pub/sub.
                QCOMPARE(m.via, m.node == n.nodeId ? Via::Local : Via::PubSub);
            }
            for (const PublishOutcome &o : n.outcomes) {
                QVERIFY(o.ok());
                QVERIFY(o->warning.isEmpty());
                QVERIFY(o->id.startsWith(n.nodeId));
            }
            QCOMPARE(n.metrics.backplanePublished, i == 2 ? 6 : 5);
            QCOMPARE(n.metrics.backplaneReceived, i == 2 ? 10 : 11);
            QVERIFY(n.metrics.backplaneDropped.isEmpty());
            const BackplaneStatus status = n.backplane->status();
            QCOMPARE(status.mode, BackplaneMode::PubSub);
            QVERIFY(status.redisConnected);
        }
        // Per origin, every node (the origin included) sees the origin's
        // messages whole and in the origin's order.
        for (int origin = 0; origin < 3; ++origin) {
            QStringList sent;
            for (int round = 0; round < 5; ++round)
                sent << QStringLiteral("hello %1 from %2").arg(round).arg(origin);
            for (int i = 0; i < 3; ++i) {
                QStringList fromOrigin;
                for (const ChatMessage &m : farm.node(i).deliveredIn(QStringLiteral("lobby"))) {
                    if (m.node == QStringLiteral("node-%1").arg(origin))
                        fromOrigin << m.text;
                }
                QCOMPARE(fromOrigin, sent);
            }
        }
    }

    void roomIsReadyOnceSubscribed()
    {
        // The hub answers JoinRoom once isRoomReady(): only after Redis
        // confirmed the SUBSCRIBE, so a message published then is received.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::PubSub, 2);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &reader = farm.node(1);
        const QString room = QStringLiteral("fresh");
        QSignalSpy ready(reader.backplane.get(), &Backplane::roomReady);
        reader.backplane->watchRoom(room);
        QVERIFY(!reader.backplane->isRoomReady(room)); // its SUBSCRIBE needs the event loop
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, 5000);
        QCOMPARE(ready.first().first().toString(), room);
        QVERIFY(reader.backplane->isRoomReady(room));
        farm.node(0).publish(room, QStringLiteral("first words"));
        QTRY_COMPARE_WITH_TIMEOUT(reader.deliveredIn(room).size(), 1, 5000);
    }

    void redisDownIsCountedExactly()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::PubSub, 3);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        const QString lobby = QStringLiteral("lobby");
        farm.node(0).publish(lobby, QStringLiteral("before"));
        QTRY_COMPARE(farm.node(1).deliveredIn(lobby).size(), 1);

        redis.kill();
        QTRY_VERIFY_WITH_TIMEOUT(!farm.node(0).factory->commandLink()->isReady(), 3000);
        for (int i = 0; i < 4; ++i)
            farm.node(0).publish(lobby, QStringLiteral("while down %1").arg(i));
        // Local clients still get them, the sender is warned, the loss is counted.
        QCOMPARE(farm.node(0).deliveredIn(lobby).size(), 5);
        QTRY_COMPARE(farm.node(0).outcomes.size(), 5);
        for (int i = 1; i < 5; ++i) {
            QVERIFY(farm.node(0).outcomes[i].ok());
            QCOMPARE(farm.node(0).outcomes[i]->warning,
                QStringLiteral("delivered on this node only: Redis unavailable"));
        }
        QCOMPARE(farm.node(0).dropped("publish_failed"), 4);
        QVERIFY(!farm.node(0).backplane->status().redisConnected);
        QVERIFY(!farm.node(0).backplane->status().lastError.isEmpty());

        FARMCHAT_VERIFY_OK(redis.restart());
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 8000);
        farm.node(0).publish(lobby, QStringLiteral("after"));
        for (int i : {1, 2}) {
            HarnessNode &n = farm.node(i);
            QTRY_COMPARE_WITH_TIMEOUT(n.deliveredIn(lobby).size(), 2, 5000);
            // Exactly what its clients missed.
            QCOMPARE(n.dropped("gap"), missed(n, farm.node(0), lobby));
            QCOMPARE(n.dropped("gap"), 4);
            // A restart reconnects both links this mode uses, each counted under its own name.
            QVERIFY(n.metrics.redisReconnects.value(QStringLiteral("commands")) >= 1);
            QVERIFY(n.metrics.redisReconnects.value(QStringLiteral("subscriber")) >= 1);
        }
    }

    void killedSubscriberCountsTheGap()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::PubSub, 2);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        const QString lobby = QStringLiteral("lobby");
        farm.node(0).publish(lobby, QStringLiteral("baseline"));
        QTRY_COMPARE(farm.node(1).deliveredIn(lobby).size(), 1);

        QSignalSpy lost(farm.node(1).factory->subscriberLink(), &RedisConnection::lost);
        QVERIFY(redis.command({"CLIENT", "KILL", "TYPE", "pubsub"}).ok);
        // Published before node 1 can have re-subscribed (back-off starts at ~100 ms).
        for (int i = 0; i < 3; ++i)
            farm.node(0).publish(lobby, QStringLiteral("unheard %1").arg(i));
        QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 3000);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        farm.node(0).publish(lobby, QStringLiteral("heard"));
        QTRY_COMPARE_WITH_TIMEOUT(
            farm.node(1).deliveredIn(lobby).last().text, QStringLiteral("heard"), 5000);
        const qint64 lostMessages = missed(farm.node(1), farm.node(0), lobby);
        QVERIFY2(
            lostMessages > 0, "the kill came too late to lose anything: the test proves nothing");
        QCOMPARE(farm.node(1).dropped("gap"), lostMessages);
        QCOMPARE(farm.node(0).dropped("publish_failed"), 0); // the publisher was fine
        // Only the subscriber links were killed: only they count a reconnect.
        for (int i : {0, 1}) {
            const QMap<QString, qint64> &reconnects = farm.node(i).metrics.redisReconnects;
            QCOMPARE(reconnects.value(QStringLiteral("subscriber")), 1);
            QCOMPARE(reconnects.value(QStringLiteral("commands")), 0);
            QCOMPARE(reconnects.value(QStringLiteral("reader")), 0);
        }
    }

    void slowSubscriberOverOutputLimit()
    {
        // Redis drops a subscriber whose output buffer passes the limit; the
        // node reconnects, re-subscribes, and counts exactly what it missed.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis, "client-output-buffer-limit pubsub 64kb 32kb 1\n");
        BackplaneHarness farm(redis, BackplaneMode::PubSub, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        const QString lobby = QStringLiteral("lobby");
        const QByteArray channel = channelOf(n, lobby).toUtf8();
        QCOMPARE(redis
                     .command({"PUBLISH", channel,
                         envelope(QStringLiteral("node-x"), QStringLiteral("b1"), 1, lobby)})
                     .value.toLongLong(),
            1);
        QTRY_COMPARE(n.delivered.size(), 1);

        QSignalSpy lost(n.factory->subscriberLink(), &RedisConnection::lost);
        // A script publishes 200 envelopes of ~4 KB while this process reads nothing.
        QByteArrayList args {"EVAL",
            "for i=2,201 do redis.call('PUBLISH', KEYS[1], string.rep(' ', 4000) .. "
            "string.format(ARGV[1], i, i, i)) end return 1",
            "1", channel,
            R"({"v":1,"origin":"node-x","boot":"b1","seq":%d,"message":{"id":"x%d","room":"lobby",)"
            R"("from":"flooder","text":"flood %d","node":"node-x","sentAt":1,"via":"pubsub"}})"};
        const auto flood = redis.command(args);
        QVERIFY2(flood.ok, flood.error.constData());
        QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        QCOMPARE(redis
                     .command({"PUBLISH", channel,
                         envelope(QStringLiteral("node-x"), QStringLiteral("b1"), 202, lobby)})
                     .value.toLongLong(),
            1);
        QTRY_COMPARE_WITH_TIMEOUT(n.delivered.last().text, QStringLiteral("flood 202"), 5000);
        const qint64 delivered = n.delivered.size();
        QVERIFY(delivered < 202);
        QCOMPARE(n.dropped("gap"), 202 - delivered);
    }

    void invalidEnvelopesAreDroppedAndCounted_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addRow("not json") << QByteArray("hello");
        QTest::addRow("array") << QByteArray("[1,2]");
        QTest::addRow("no seq") << QByteArray(R"({"v":1,"origin":"n","boot":"b","message":{}})");
        QTest::addRow("wrong version")
            << envelope(QStringLiteral("n"), QStringLiteral("b"), 1, QStringLiteral("lobby"))
                   .replace("\"v\":1", "\"v\":2");
        QTest::addRow("other room")
            << envelope(QStringLiteral("n"), QStringLiteral("b"), 1, QStringLiteral("ops"));
        QTest::addRow("fractional seq")
            << envelope(QStringLiteral("n"), QStringLiteral("b"), 1, QStringLiteral("lobby"))
                   .replace("\"seq\":1", "\"seq\":1.5");
        QTest::addRow("huge") << QByteArray(70 * 1024, ' ')
                + envelope(QStringLiteral("n"), QStringLiteral("b"), 1, QStringLiteral("lobby"));
        QTest::addRow("control chars in name")
            << envelope(QStringLiteral("n"), QStringLiteral("b"), 1, QStringLiteral("lobby"))
                   .replace("flooder", "flo\\u0007der");
    }
    void invalidEnvelopesAreDroppedAndCounted()
    {
        QFETCH(QByteArray, payload);
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::PubSub, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        const QByteArray channel = channelOf(n, QStringLiteral("lobby")).toUtf8();
        redis.command({"PUBLISH", channel, payload});
        QTRY_COMPARE(n.dropped("invalid"), 1);
        // A valid one still goes through afterwards.
        redis.command({"PUBLISH", channel,
            envelope(QStringLiteral("n"), QStringLiteral("b"), 1, QStringLiteral("lobby"))});
        QTRY_COMPARE(n.delivered.size(), 1);
        QCOMPARE(n.delivered.first().via, Via::PubSub);
    }

    void wrongPasswordKeepsServingLocally()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::PubSub, 1, {QStringLiteral("lobby")},
            [](BackplaneSettings &s) { s.redisPassword = "wrong-secret"; });
        HarnessNode &n = farm.node(0);
        QSignalSpy status(n.backplane.get(), &Backplane::statusChanged);
        QTRY_VERIFY_WITH_TIMEOUT(
            n.backplane->status().lastError.contains(QStringLiteral("WRONGPASS")), 5000);
        QTRY_VERIFY(status.count() > 0); // announced on the next turn of the event loop
        QVERIFY(!n.backplane->status().redisConnected);
        QVERIFY(!n.backplane->status().lastError.contains(QStringLiteral("wrong-secret")));
        n.publish(QStringLiteral("lobby"), QStringLiteral("still here"));
        QCOMPARE(n.delivered.size(), 1);
        QTRY_COMPARE(n.outcomes.size(), 1);
        QVERIFY(n.outcomes.first().ok());
        QCOMPARE(n.outcomes.first()->warning,
            QStringLiteral("delivered on this node only: Redis unavailable"));
    }

    void newBootStartsANewBaseline()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::PubSub, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        const QString lobby = QStringLiteral("lobby");
        const QByteArray channel = channelOf(n, lobby).toUtf8();
        for (qint64 seq : {5, 6, 9}) // 7 and 8 missed
            redis.command({"PUBLISH", channel,
                envelope(QStringLiteral("peer"), QStringLiteral("boot-1"), seq, lobby)});
        redis.command({"PUBLISH", channel,
            envelope(QStringLiteral("peer"), QStringLiteral("boot-2"), 1, lobby)}); // restarted
        redis.command({"PUBLISH", channel,
            envelope(QStringLiteral("peer"), QStringLiteral("boot-2"), 1, lobby)}); // repeated
        redis.command({"PUBLISH", channel,
            envelope(QStringLiteral("peer"), QStringLiteral("boot-2"), 2, lobby)});
        QTRY_COMPARE(n.delivered.size(), 5);
        QCOMPARE(n.dropped("gap"), 2);
        QCOMPARE(n.dropped("stale"), 1);
    }

    void unwatchedRoomIsUnsubscribed()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(
            redis, BackplaneMode::PubSub, 1, {QStringLiteral("lobby"), QStringLiteral("ops")});
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        const QByteArray ops = channelOf(n, QStringLiteral("ops")).toUtf8();
        n.backplane->unwatchRoom(QStringLiteral("ops"));
        QTRY_COMPARE(
            redis.command({"PUBSUB", "NUMSUB", ops}).value.toList().value(1).toLongLong(), 0);
        n.backplane.reset(); // a retired backplane leaves no subscription behind
        const QByteArray lobby = channelOf(n, QStringLiteral("lobby")).toUtf8();
        QTRY_COMPARE(
            redis.command({"PUBSUB", "NUMSUB", lobby}).value.toList().value(1).toLongLong(), 0);
    }

    void roomIsPendingUntilRedisConfirmsTheSubscription()
    {
        // What /health's roomsPending reports: a message another node
        // publishes before the SUBSCRIBE is confirmed is not received.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::PubSub, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        QCOMPARE(n.backplane->status().roomsRead, 1);
        QCOMPARE(n.backplane->status().roomsPending, 0);
        n.backplane->watchRoom(QStringLiteral("ops")); // the answer needs the event loop
        QCOMPARE(n.backplane->status().roomsPending, 1);
        QTRY_COMPARE(n.backplane->status().roomsPending, 0);
        QCOMPARE(redis.command({"PUBSUB", "NUMSUB", channelOf(n, QStringLiteral("ops")).toUtf8()})
                     .value.toList()
                     .value(1)
                     .toLongLong(),
            1);
        redis.kill();
        QTRY_VERIFY_WITH_TIMEOUT(!n.backplane->status().redisConnected, 3000);
        QCOMPARE(n.backplane->status().roomsPending, 2);
    }
    void switchAnswersOnceEveryRoomIsRead()
    {
        // PUT /admin/backplane answers when whenReady() does: from off, with
        // links not even made yet, a message sent right after both nodes
        // answered reaches the other node, every time.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Off, 2);
        const QString room = QStringLiteral("lobby");
        for (int round = 0; round < 10; ++round) {
            int answered = 0;
            for (int i = 0; i < 2; ++i) {
                farm.switchTo(i, round % 2 ? BackplaneMode::Streams : BackplaneMode::PubSub);
                farm.node(i).backplane->whenReady(3000, [&](const Result<void> &ready) {
                    QVERIFY2(ready.ok(), qPrintable(ready.error()));
                    ++answered;
                });
            }
            QTRY_COMPARE_WITH_TIMEOUT(answered, 2, 5000);
            for (int i = 0; i < 2; ++i)
                QCOMPARE(farm.node(i).backplane->status().roomsPending, 0);
            farm.node(0).publish(room, QStringLiteral("sent when answered %1").arg(round));
            QTRY_COMPARE_WITH_TIMEOUT(missed(farm.node(1), farm.node(0), room), 0, 5000);
            for (int i = 0; i < 2; ++i)
                farm.switchTo(i, BackplaneMode::Off);
        }
    }

    void switchAnswersEarlyWhenRedisIsDown()
    {
        // Waiting for a Redis that refuses connections would not help: the
        // first failed attempt after the switch ends the wait, with why.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Off, 1);
        redis.kill();
        farm.switchTo(0, BackplaneMode::PubSub);
        std::optional<Result<void>> outcome;
        QElapsedTimer clock;
        clock.start();
        farm.node(0).backplane->whenReady(
            30000, [&](const Result<void> &ready) { outcome = ready; });
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 5000);
        QVERIFY(clock.elapsed() < 5000);
        QVERIFY(!outcome->ok());
        QVERIFY2(
            outcome->error().contains(u"Redis not reachable yet"), qPrintable(outcome->error()));
        farm.switchTo(0, BackplaneMode::Off); // off needs no Redis: ready at once
        bool offReady = false;
        farm.node(0).backplane->whenReady(
            3000, [&](const Result<void> &ready) { offReady = ready.ok(); });
        QVERIFY(offReady);
    }
};

QTEST_GUILESS_MAIN(tst_PubSubBackplane)
#include "tst_pubsubbackplane.moc"
