#include "backplane/streams/streamentry.h"
#include "backplane/streams/streamid_p.h"
#include "backplane/streams/streamsbackplane_p.h"
#include "redis/redisconnection.h"
#include "tests/backplane/backplaneharness.h"
#include "tests/support/testredisserver.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace farmchat;
using namespace farmchat::test;

namespace {

const QString kLobby = QStringLiteral("lobby");
const QByteArray kPersistent = "appendonly yes\nappendfsync always\n";

QStringList idsOf(const QList<ChatMessage> &messages)
{
    QStringList ids;
    for (const ChatMessage &m : messages)
        ids << m.id;
    return ids;
}

QStringList textsOf(const QList<ChatMessage> &messages)
{
    QStringList texts;
    for (const ChatMessage &m : messages)
        texts << m.text;
    return texts;
}

QByteArray streamKeyOf(HarnessNode &node, const QString &room)
{
    return (node.factory->settings().channelPrefix + QStringLiteral(":stream:") + room).toUtf8();
}

struct HistoryResult
{
    bool done = false;
    QList<ChatMessage> messages;
    QString error;
};

HistoryResult history(Backplane &backplane, const QString &room, const QString &afterId, int limit)
{
    HistoryResult result;
    backplane.history(room, afterId, limit, [&](const Result<QList<ChatMessage>> &messages) {
        result = {true, messages ? messages.value() : QList<ChatMessage>(), messages.error()};
    });
    if (!QTest::qWaitFor([&] { return result.done; }, 5000))
        result.error = QStringLiteral("test: history gave no answer within 5 s");
    return result;
}

// The connections Redis lists (CLIENT LIST) as blocked (flag b) in an XREAD:
// the streams readers waiting in XREAD BLOCK right now. -1 when unreadable.
int blockedReaders(const TestRedisServer &redis)
{
    const RedisReply reply = redis.command({"CLIENT", "LIST"});
    if (!reply.ok)
        return -1;
    int blocked = 0;
    for (const QByteArray &line : reply.value.toByteArray().split('\n')) {
        bool reading = false;
        bool isBlocked = false;
        for (const QByteArray &field : line.trimmed().split(' ')) {
            if (field == "cmd=xread")
                reading = true;
            else if (field.startsWith("flags="))
                isBlocked = field.mid(6).contains('b');
        }
        blocked += reading && isBlocked ? 1 : 0;
    }
    return blocked;
}

} // namespace

// StreamsBackplane on a real Redis with several in-process nodes: one order
// per room everywhere, stream ids as message ids, the outbox while Redis is
// away, the epoch when it comes back empty, history, and de-duplication.
class tst_StreamsBackplane : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sameOrderOnEveryNodeExactlyOnce()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 3, {kLobby, QStringLiteral("ops")});
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        for (int round = 0; round < 30; ++round) {
            for (int i = 0; i < 3; ++i)
                farm.node(i).publish(kLobby, QStringLiteral("m%1 from %2").arg(round).arg(i));
        }
        for (int k = 0; k < 5; ++k)
            farm.node(1).publish(QStringLiteral("ops"), QStringLiteral("ops %1").arg(k));
        for (int i = 0; i < 3; ++i) {
            QTRY_COMPARE_WITH_TIMEOUT(farm.node(i).deliveredIn(kLobby).size(), 90, 10000);
            QTRY_COMPARE(farm.node(i).deliveredIn(QStringLiteral("ops")).size(), 5);
        }
        const QStringList order = idsOf(farm.node(0).deliveredIn(kLobby));
        QCOMPARE(QSet<QString>(order.begin(), order.end()).size(), 90);
        for (int i = 0; i < 3; ++i) {
            HarnessNode &n = farm.node(i);
            QCOMPARE(idsOf(n.deliveredIn(kLobby)), order); // the one order of the room
            QCOMPARE(textsOf(n.deliveredIn(QStringLiteral("ops"))),
                (QStringList {"ops 0", "ops 1", "ops 2", "ops 3", "ops 4"}));
            std::optional<StreamId> previous;
            for (const ChatMessage &m : n.deliveredIn(kLobby)) {
                QCOMPARE(m.via, Via::Streams); // own ones too: they come back from the stream
                const auto id = StreamId::parse(QStringView(m.id));
                QVERIFY2(id, qPrintable(m.id));
                QVERIFY(!previous || *previous < *id);
                previous = id;
            }
            // The sender's answer is the id everyone shows.
            QTRY_COMPARE(n.outcomes.size(), i == 1 ? 35 : 30);
            QStringList own;
            for (const ChatMessage &m : n.delivered) {
                if (m.node == n.nodeId)
                    own << m.id;
            }
            QStringList answered;
            for (const PublishOutcome &o : n.outcomes) {
                QVERIFY2(o.ok() && o->warning.isEmpty(), qPrintable(o.error().text));
                answered << o->id;
            }
            std::sort(own.begin(), own.end());
            std::sort(answered.begin(), answered.end());
            QCOMPARE(answered, own);
            QCOMPARE(n.metrics.backplanePublished, i == 1 ? 35 : 30);
            QCOMPARE(n.metrics.backplaneReceived, i == 1 ? 60 : 65);
            QVERIFY(n.metrics.backplaneDropped.isEmpty());
            const BackplaneStatus status = n.backplane->status();
            QCOMPARE(status.mode, BackplaneMode::Streams);
            QVERIFY(status.redisConnected);
            QVERIFY(!status.epoch.isEmpty());
            QCOMPARE(status.epoch, farm.node(0).backplane->status().epoch);
        }
    }

    void historyReadsTheStream()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 2);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        for (int k = 0; k < 20; ++k)
            farm.node(0).publish(kLobby, QStringLiteral("h%1").arg(k));
        QTRY_COMPARE_WITH_TIMEOUT(farm.node(1).delivered.size(), 20, 5000);
        const QStringList ids = idsOf(farm.node(1).delivered);
        Backplane &other = *farm.node(1).backplane;
        QVERIFY(other.servesHistory());

        // No cursor: from the oldest entry kept, as the ring buffer answers
        // (a forward cursor: the next page starts after the last id).
        HistoryResult first = history(other, kLobby, QString(), 5);
        QVERIFY(first.error.isEmpty());
        QCOMPARE(textsOf(first.messages), (QStringList {"h0", "h1", "h2", "h3", "h4"}));
        QCOMPARE(idsOf(history(other, kLobby, ids[4], 5).messages), ids.mid(5, 5));
        HistoryResult after = history(other, kLobby, ids[9], 3);
        QCOMPARE(idsOf(after.messages), ids.mid(10, 3));
        QCOMPARE(after.messages.first().via, Via::Streams);
        QCOMPARE(after.messages.first().node, QStringLiteral("node-0"));
        QCOMPARE(history(other, kLobby, ids.last(), 10).messages.size(), 0);
        // Unknown (no stream id, e.g. from another mode): from the oldest too.
        QCOMPARE(textsOf(history(other, kLobby, QStringLiteral("node-9:x:1"), 2).messages),
            (QStringList {"h0", "h1"}));
        QCOMPARE(history(other, kLobby, QString(), 0).messages.size(), 1);
        QCOMPARE(history(other, kLobby, QString(), 100000).messages.size(), 20);
        QCOMPARE(history(other, QStringLiteral("empty"), QString(), 10).messages.size(), 0);

        redis.kill();
        QTRY_VERIFY(!farm.node(1).factory->commandLink()->isReady());
        const HistoryResult down = history(other, kLobby, QString(), 5);
        QVERIFY(down.done);
        QVERIFY(!down.error.isEmpty());
    }

    void roomWatchedWhileTheReaderBlocks()
    {
        // XREAD BLOCK is 5 s; a new room must not wait for it to time out.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 2);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        // Both readers are in their XREAD BLOCK now (it lasts 5 s: the
        // watches below come well before it times out).
        QTRY_COMPARE_WITH_TIMEOUT(blockedReaders(redis), 2, scaledMs(3000));
        const QString late = QStringLiteral("late");
        QElapsedTimer clock;
        clock.start();
        farm.node(1).backplane->watchRoom(late);
        farm.node(0).backplane->watchRoom(late);
        farm.node(0).publish(late, QStringLiteral("first words"));
        QTRY_COMPARE_WITH_TIMEOUT(farm.node(1).deliveredIn(late).size(), 1, 5000);
        QVERIFY2(clock.elapsed() < scaledMs(1500),
            qPrintable(QStringLiteral("%1 ms").arg(clock.elapsed())));
        QCOMPARE(farm.node(0).deliveredIn(late).size(), 1);
    }

    void roomIsPendingUntilItsStreamPositionIsKnown()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        QCOMPARE(n.backplane->status().roomsPending, 0);
        n.backplane->watchRoom(QStringLiteral("late")); // its XREVRANGE needs the event loop
        QCOMPARE(n.backplane->status().roomsRead, 2);
        QCOMPARE(n.backplane->status().roomsPending, 1);
        QTRY_COMPARE(n.backplane->status().roomsPending, 0);
    }

    void messageSentOnceTheRoomIsReadyIsRead()
    {
        // The hub answers JoinRoom once isRoomReady(): a message another node
        // sends after that must be read, even when this node's start position
        // (its XREVRANGE) reaches Redis after that message's XADD would have.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 2);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &reader = farm.node(1);
        // Holds the reading node's command link for 300 ms: its XREVRANGE waits behind.
        reader.factory->commandLink()->command({"BLPOP", "test:nothing", "0.3"}, nullptr);
        const QString room = QStringLiteral("fresh");
        QSignalSpy ready(reader.backplane.get(), &Backplane::roomReady);
        reader.backplane->watchRoom(room);
        farm.node(0).backplane->watchRoom(room);
        QVERIFY(!reader.backplane->isRoomReady(room));
        QTRY_VERIFY_WITH_TIMEOUT(reader.backplane->isRoomReady(room), scaledMs(5000));
        QCOMPARE(ready.count(), 1);
        QCOMPARE(ready.first().first().toString(), room);
        farm.node(0).publish(room, QStringLiteral("first words"));
        QTRY_COMPARE_WITH_TIMEOUT(farm.node(0).deliveredIn(room).size(), 1, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(reader.deliveredIn(room).size(), 1, scaledMs(6000));
    }

    // A link that stalls past a command's 3 s deadline and then flows again
    // (a partition healed within the liveness probe's 3 s) stays up, so no
    // ready() comes: what the expired command was for (the epoch check right
    // after a switch, a room's start position) must be asked again on it.
    // Here BLPOP holds the links for 4 s, as a stalled link would.
    void stalledLinkThatComesBackReadsAgain_data()
    {
        QTest::addColumn<bool>("atSwitch");
        QTest::addRow("switched to streams as the links stall") << true;
        QTest::addRow("room watched as the command link stalls") << false;
    }
    void stalledLinkThatComesBackReadsAgain()
    {
        QFETCH(bool, atSwitch);
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        const QString room = atSwitch ? kLobby : QStringLiteral("fresh");
        BackplaneHarness farm(redis, atSwitch ? BackplaneMode::PubSub : BackplaneMode::Streams, 2);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        if (atSwitch) {
            farm.switchTo(0, BackplaneMode::Streams);
            QTRY_COMPARE_WITH_TIMEOUT(farm.node(0).backplane->status().roomsPending, 0, 5000);
        }
        HarnessNode &stalled = farm.node(1);
        // (The reader link only when idle, before the switch: in streams it is
        // in its XREAD BLOCK, which a BLPOP would wait behind.)
        QList<RedisConnection *> links {stalled.factory->commandLink()};
        if (atSwitch)
            links << stalled.factory->readerLink();
        for (RedisConnection *link : links)
            link->command(
                {"BLPOP", streamKeyOf(stalled, QStringLiteral("stall")), "4"}, nullptr, 10000);
        if (atSwitch) {
            farm.switchTo(1, BackplaneMode::Streams);
        } else {
            stalled.backplane->watchRoom(room);
            farm.node(0).backplane->watchRoom(room);
        }
        QElapsedTimer clock;
        clock.start();
        // Its XADD passes its deadline too (a room watched as the link stalls)
        // and is sent again: Redis gets two copies; the sender must be told
        // the id of the one readers keep.
        stalled.publish(room, QStringLiteral("from 1"));
        // Where the hub answers JoinRoom: from here on nothing may be missed.
        // (A room watched as the link stalls: once its XREVRANGE passed its deadline.)
        QTRY_VERIFY_WITH_TIMEOUT(stalled.backplane->isRoomReady(room), scaledMs(5000));
        farm.node(0).publish(room, QStringLiteral("from 0"));
        QTRY_COMPARE_WITH_TIMEOUT(stalled.outcomes.size(), 1, scaledMs(10000));
        QVERIFY2(stalled.outcomes.first().ok(), qPrintable(stalled.outcomes.first().error().text));
        for (int i = 0; i < 2; ++i)
            QTRY_COMPARE_WITH_TIMEOUT(farm.node(i).deliveredIn(room).size(), 2, scaledMs(10000));
        qInfo("back on the backplane %lld ms after the links stalled for 4000 ms",
            qint64(clock.elapsed()));
        QTest::qWait(500); // nothing twice
        const QStringList expected {QStringLiteral("from 0"), QStringLiteral("from 1")};
        for (int i = 0; i < 2; ++i) {
            QStringList texts = textsOf(farm.node(i).deliveredIn(room));
            texts.sort();
            QCOMPARE(texts, expected);
        }
        QCOMPARE(idsOf(stalled.deliveredIn(room)), idsOf(farm.node(0).deliveredIn(room)));
        for (const ChatMessage &m : stalled.deliveredIn(room)) {
            if (m.text == QStringLiteral("from 1"))
                QCOMPARE(m.id, stalled.outcomes.first()->id); // the id the sender was told
        }
    }

    void outboxWhileRedisIsDown_data()
    {
        QTest::addColumn<bool>("keepData");
        QTest::addRow("restarted with its data") << true;
        QTest::addRow("restarted empty") << false;
    }
    void outboxWhileRedisIsDown()
    {
        QFETCH(bool, keepData);
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis, keepData ? kPersistent : QByteArray());
        BackplaneHarness farm(redis, BackplaneMode::Streams, 2);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &sender = farm.node(0);
        HarnessNode &receiver = farm.node(1);
        for (int k = 0; k < 5; ++k)
            sender.publish(kLobby, QStringLiteral("before %1").arg(k));
        QTRY_COMPARE_WITH_TIMEOUT(receiver.delivered.size(), 5, 5000);
        const QString epoch = sender.backplane->status().epoch;

        redis.kill();
        QTRY_VERIFY_WITH_TIMEOUT(!sender.factory->commandLink()->isReady(), 3000);
        QSignalSpy status(sender.backplane.get(), &Backplane::statusChanged);
        for (int k = 0; k < 20; ++k)
            sender.publish(kLobby, QStringLiteral("queued %1").arg(k));
        QCOMPARE(sender.backplane->status().outboxDepth, 20);
        QCOMPARE(sender.metrics.outboxDepth, 20);
        QTRY_VERIFY(status.count() > 0);
        QTest::qWait(100);
        QCOMPARE(sender.outcomes.size(), 5); // the queued ones wait for Redis, they are not failed
        QCOMPARE(sender.delivered.size(), 5); // nor shown before Redis orders them

        FARMCHAT_VERIFY_OK(keepData ? redis.restartKeepingData() : redis.restart());
        for (int i = 0; i < 2; ++i) {
            HarnessNode &n = farm.node(i);
            QTRY_COMPARE_WITH_TIMEOUT(n.delivered.size(), 25, 10000);
            QStringList expected;
            for (int k = 0; k < 5; ++k)
                expected << QStringLiteral("before %1").arg(k);
            for (int k = 0; k < 20; ++k)
                expected << QStringLiteral("queued %1").arg(k);
            QCOMPARE(textsOf(n.delivered), expected); // in order, once
            // The reset waits for the node's command link (History must be able
            // to answer it); its reader may deliver from the new stream first.
            QTRY_COMPARE_WITH_TIMEOUT(
                n.resets, keepData ? QStringList() : QStringList {kLobby}, 5000);
            QCOMPARE(n.backplane->status().epoch == epoch, keepData);
        }
        QTRY_COMPARE(sender.outcomes.size(), 25);
        QCOMPARE(sender.backplane->status().outboxDepth, 0);
        QCOMPARE(sender.metrics.outboxDepth, 0);
        QTest::qWait(300);
        QCOMPARE(receiver.delivered.size(),
            25); // the re-published "before" ones were dropped as repeats
        if (!keepData) {
            QCOMPARE(receiver.dropped("duplicate"), 5);
            // The new stream holds them again, so History after the reset is whole.
            QCOMPARE(history(*receiver.backplane, kLobby, QString(), 100).messages.size(), 25);
            QCOMPARE(idsOf(history(*receiver.backplane, kLobby, QString(), 100).messages).mid(0, 5),
                idsOf(receiver.delivered).mid(0, 5)); // under the ids clients already know
        }
    }

    void historyResetComesWhenHistoryAnswers()
    {
        // Clients ask History(room, null) the moment they hear historyReset.
        // Which link finds the new epoch first is a race (both reconnect with
        // jittered back-off), so a few rounds: each must answer.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        QStringList answers;
        QObject::connect(n.backplane.get(), &Backplane::historyReset, n.backplane.get(),
            [&](const QString &room) {
                n.backplane->history(
                    room, QString(), 10, [&](const Result<QList<ChatMessage>> &messages) {
                        answers << (messages ? QStringLiteral("ok %1").arg(messages->size())
                                             : messages.error());
                    });
            });
        for (int round = 1; round <= 5; ++round) {
            n.publish(kLobby, QStringLiteral("round %1").arg(round));
            QTRY_COMPARE_WITH_TIMEOUT(n.outcomes.size(), round, 5000);
            FARMCHAT_VERIFY_OK(redis.restart());
            QTRY_COMPARE_WITH_TIMEOUT(n.resets.size(), round, 10000);
            QTRY_COMPARE_WITH_TIMEOUT(answers.size(), round, 5000);
            QVERIFY2(answers.last().startsWith(u"ok"), qPrintable(answers.last()));
            QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        }
    }

    void trimsToTheHistoryAfterTheGrace()
    {
        // Right after connecting nothing is trimmed (readers may still be on
        // their way back); later the stream keeps about --history entries.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 1, {kLobby},
            [](BackplaneSettings &s) { s.history = 10; });
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        const QByteArray key = streamKeyOf(n, kLobby);
        for (int k = 0; k < 300; ++k)
            n.publish(kLobby, QStringLiteral("early %1").arg(k));
        QTRY_COMPARE_WITH_TIMEOUT(n.delivered.size(), 300, 10000);
        QCOMPARE(redis.command({"XLEN", key}).value.toLongLong(), 300);
        QTest::qWait(10500 - 300);
        for (int k = 0; k < 300; ++k)
            n.publish(kLobby, QStringLiteral("late %1").arg(k));
        QTRY_COMPARE_WITH_TIMEOUT(n.delivered.size(), 600, 10000);
        // MAXLEN ~ trims whole macro nodes (100 entries each).
        QVERIFY2(redis.command({"XLEN", key}).value.toLongLong() <= 110,
            qPrintable(QString::number(redis.command({"XLEN", key}).value.toLongLong())));
    }

    void fullOutboxRefusesWithAClearError()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 1, {kLobby},
            [](BackplaneSettings &s) { s.outboxCapacity = 5; });
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        redis.kill();
        QTRY_VERIFY_WITH_TIMEOUT(!n.factory->commandLink()->isReady(), 3000);
        for (int k = 0; k < 7; ++k)
            n.publish(kLobby, QStringLiteral("m%1").arg(k));
        QCOMPARE(n.outcomes.size(), 2);
        for (const PublishOutcome &o : n.outcomes) {
            QCOMPARE(o.error().text,
                QStringLiteral("backplane outbox full (5 messages waiting for Redis)"));
            QVERIFY(!o.ok()); // no id: nobody got it
        }
        QCOMPARE(n.dropped("outbox_full"), 2);
        QCOMPARE(n.backplane->status().outboxDepth, 5);
        QVERIFY(n.delivered.isEmpty()); // queued or refused: shown nowhere yet
        // Redis back: the five queued go out in order, then a marker; the
        // two refused never show.
        FARMCHAT_VERIFY_OK(redis.restart());
        QTRY_COMPARE_WITH_TIMEOUT(n.backplane->status().outboxDepth, 0, 10000);
        n.publish(kLobby, QStringLiteral("marker"));
        QTRY_VERIFY_WITH_TIMEOUT(
            !n.delivered.isEmpty() && n.delivered.constLast().text == u"marker", 10000);
        QStringList shown;
        for (const ChatMessage &m : std::as_const(n.delivered))
            shown << m.text;
        QCOMPARE(shown, QStringList({"m0", "m1", "m2", "m3", "m4", "marker"}));
    }

    void switchHandsTheOutboxOver()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        redis.kill();
        QTRY_VERIFY_WITH_TIMEOUT(!n.factory->commandLink()->isReady(), 3000);
        for (int k = 0; k < 3; ++k)
            n.publish(kLobby, QStringLiteral("m%1").arg(k));
        QCOMPARE(n.outcomes.size(), 0);
        farm.switchTo(0, BackplaneMode::PubSub);
        // The pubsub backplane delivers them locally and warns: each answered once.
        QCOMPARE(textsOf(n.delivered), (QStringList {"m0", "m1", "m2"}));
        QTRY_COMPARE(n.outcomes.size(), 3);
        for (const PublishOutcome &o : n.outcomes) {
            QVERIFY2(o.ok(), qPrintable(o.error().text));
            QCOMPARE(o->warning, QStringLiteral("delivered on this node only: Redis unavailable"));
        }
        QCOMPARE(n.metrics.outboxDepth, 0);
    }

    // Nodes switched to streams while Redis is down start reading when it is
    // back; whichever node reaches Redis first, what was sent after the switch
    // reaches every node.
    void switchedWhileRedisIsDownReadsWhatWasQueued()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::PubSub, 3);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        redis.kill();
        for (int i = 0; i < farm.size(); ++i) {
            QTRY_VERIFY_WITH_TIMEOUT(!farm.node(i).factory->commandLink()->isReady(), 3000);
            farm.switchTo(i, BackplaneMode::Streams);
        }
        for (int i = 0; i < farm.size(); ++i)
            farm.node(i).publish(kLobby, QStringLiteral("queued on %1").arg(i));
        FARMCHAT_VERIFY_OK(redis.restart());
        for (int i = 0; i < farm.size(); ++i) {
            HarnessNode &n = farm.node(i);
            QTRY_COMPARE_WITH_TIMEOUT(n.outcomes.size(), 1, 10000);
            QTRY_COMPARE_WITH_TIMEOUT(n.delivered.size(), farm.size(), 5000);
        }
    }

    void switchAwayDeliversWhatIsInFlight()
    {
        // XADDs still waiting for Redis' answer (and confirmed ones the reader
        // has not read back yet) when the node switches to pubsub: this node's
        // clients still get each of them once, and each sender one answer.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 2);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        constexpr int kBurst = 50;
        for (int k = 0; k < kBurst; ++k)
            n.publish(kLobby, QStringLiteral("burst %1").arg(k));
        QCOMPARE(n.outcomes.size(), 0); // in this same pass: every XADD is in flight
        farm.switchTo(0, BackplaneMode::PubSub);
        QCOMPARE(n.backplane->retiringCount(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(n.outcomes.size(), kBurst, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(n.delivered.size(), kBurst, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(n.backplane->retiringCount(), 0, 5000); // drained, destroyed
        QStringList expected;
        for (int k = 0; k < kBurst; ++k)
            expected << QStringLiteral("burst %1").arg(k);
        QCOMPARE(textsOf(n.delivered), expected);
        for (int k = 0; k < kBurst; ++k) {
            QVERIFY2(n.outcomes[k].ok(), qPrintable(n.outcomes[k].error().text));
            QCOMPARE(n.delivered[k].id, n.outcomes[k]->id); // the stream id clients know
            QCOMPARE(n.delivered[k].via, Via::Streams);
        }
        QTRY_COMPARE_WITH_TIMEOUT(farm.node(1).delivered.size(), kBurst, 5000);
        QCOMPARE(idsOf(farm.node(1).delivered), idsOf(n.delivered));
        // The new mode carries the next message; nothing came twice.
        n.publish(kLobby, QStringLiteral("after"));
        QTRY_COMPARE(n.delivered.size(), kBurst + 1);
        QCOMPARE(n.delivered.last().via, Via::Local);
        QTest::qWait(300);
        QCOMPARE(n.delivered.size(), kBurst + 1);
        QCOMPARE(n.metrics.backplanePublished, qint64(kBurst + 1));
    }

    void repeatsAndBadEntriesAreSkipped()
    {
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        const QByteArray key = streamKeyOf(n, kLobby);
        ChatMessage m;
        m.room = kLobby;
        m.from = QStringLiteral("peer");
        m.text = QStringLiteral("once");
        m.node = QStringLiteral("node-peer");
        m.sentAt = 1;
        QList<QByteArray> add {"XADD", key, "*"};
        add << StreamEntry::fields(m, QStringLiteral("uid-1"));
        QVERIFY(redis.command(add).ok);
        QVERIFY(redis.command(add).ok); // a retried XADD: same uid
        QVERIFY(redis.command({"XADD", key, "*", "message", "{not json", "uid", "uid-2"}).ok);
        QVERIFY(redis.command({"XADD", key, "*", "hello", "world"}).ok);
        m.text = QStringLiteral("next");
        QList<QByteArray> next {"XADD", key, "*"};
        next << StreamEntry::fields(m, QStringLiteral("uid-3"));
        QVERIFY(redis.command(next).ok);
        QTRY_COMPARE_WITH_TIMEOUT(n.delivered.size(), 2, 5000);
        QCOMPARE(textsOf(n.delivered), (QStringList {"once", "next"}));
        QCOMPARE(n.dropped("duplicate"), 1);
        QCOMPARE(n.dropped("invalid"), 2);
        // History shows it once too.
        QCOMPARE(textsOf(history(*n.backplane, kLobby, QString(), 10).messages),
            (QStringList {"once", "next"}));
    }

    void readerBehindTheWindowIsTold()
    {
        // The node's links cut while another writer adds 50 entries trimmed to
        // the last 10 (no event loop runs meanwhile: the node can neither read
        // nor reconnect). It resumes behind the window: its clients get
        // historyReset, dropped{trimmed} counts exactly the 40 entries it never
        // read, and the 10 still there arrive.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 1);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        HarnessNode &n = farm.node(0);
        n.publish(kLobby, QStringLiteral("before"));
        QTRY_COMPARE_WITH_TIMEOUT(n.delivered.size(), 1, 5000);
        QVERIFY(redis.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}).ok);
        const QByteArray key = streamKeyOf(n, kLobby);
        ChatMessage m;
        m.room = kLobby;
        m.from = QStringLiteral("peer");
        m.node = QStringLiteral("node-peer");
        m.sentAt = 1;
        for (int k = 0; k < 50; ++k) {
            m.text = QStringLiteral("w%1").arg(k);
            QList<QByteArray> add {"XADD", key, "MAXLEN", "10", "*"};
            add << StreamEntry::fields(m, QStringLiteral("uid-%1").arg(k));
            QVERIFY(redis.command(add).ok);
        }
        QTRY_COMPARE_WITH_TIMEOUT(n.delivered.size(), 11, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(n.resets, QStringList {kLobby}, 5000);
        QCOMPARE(n.dropped("trimmed"), qint64(41 - 1)); // 41 trimmed, "before" read
        QCOMPARE(textsOf(n.delivered).last(), QStringLiteral("w49"));
        QCOMPARE(textsOf(n.delivered).at(1), QStringLiteral("w40"));

        // Reading on without a link loss asks nothing more, counts nothing more.
        m.text = QStringLiteral("after");
        QList<QByteArray> add {"XADD", key, "*"};
        add << StreamEntry::fields(m, QStringLiteral("uid-after"));
        QVERIFY(redis.command(add).ok);
        QTRY_COMPARE_WITH_TIMEOUT(n.delivered.size(), 12, 5000);
        QCOMPARE(n.dropped("trimmed"), qint64(40));
        QCOMPARE(n.resets.size(), qsizetype(1));
    }

    void slowRedisDuplicatesNothing()
    {
        // Redis answers nobody for 4 s: the XADDs pass their 3 s deadline, are
        // sent again, and both copies land. Readers keep one.
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis);
        BackplaneHarness farm(redis, BackplaneMode::Streams, 2);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        QVERIFY(redis.command({"CLIENT", "PAUSE", "4000", "ALL"}).ok);
        for (int k = 0; k < 5; ++k)
            farm.node(0).publish(kLobby, QStringLiteral("slow %1").arg(k));
        QTRY_COMPARE_WITH_TIMEOUT(farm.node(0).outcomes.size(), 5, 15000);
        for (const PublishOutcome &o : farm.node(0).outcomes)
            QVERIFY2(o.ok(), qPrintable(o.error().text));
        // The retry happened: both copies of every XADD are in the stream...
        const RedisReply length = redis.command({"XLEN", streamKeyOf(farm.node(0), kLobby)});
        QVERIFY2(length.ok, length.error.constData());
        QCOMPARE(length.value.toLongLong(), 10);
        // ...and each reader read both and dropped the second as a repeat.
        for (int i = 0; i < 2; ++i)
            QTRY_COMPARE_WITH_TIMEOUT(farm.node(i).dropped("duplicate"), 5, 15000);
        for (int i = 0; i < 2; ++i)
            QCOMPARE(textsOf(farm.node(i).delivered),
                (QStringList {"slow 0", "slow 1", "slow 2", "slow 3", "slow 4"}));
    }

    void redisLostMidStreamLosesNothing_data()
    {
        QTest::addColumn<bool>("keepData");
        QTest::addRow("restarted with its data") << true;
        QTest::addRow("restarted empty") << false;
    }
    void redisLostMidStreamLosesNothing()
    {
        QFETCH(bool, keepData);
        TestRedisServer redis;
        FARMCHAT_START_REDIS(redis, keepData ? kPersistent : QByteArray());
        BackplaneHarness farm(redis, BackplaneMode::Streams, 3);
        QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 5000);
        constexpr int kPerNode = 400;
        QTimer pump;
        int sent = 0;
        QObject::connect(&pump, &QTimer::timeout, [&] {
            for (int i = 0; i < 3; ++i)
                farm.node(i).publish(kLobby, QStringLiteral("n%1 #%2").arg(i).arg(sent));
            if (++sent == kPerNode)
                pump.stop();
        });
        pump.start(2);
        QTRY_VERIFY_WITH_TIMEOUT(sent >= kPerNode / 3, 10000);
        redis.kill();
        QTest::qWait(300);
        FARMCHAT_VERIFY_OK(keepData ? redis.restartKeepingData() : redis.restart());
        QTRY_COMPARE_WITH_TIMEOUT(sent, kPerNode, 20000);
        for (int i = 0; i < 3; ++i)
            QTRY_COMPARE_WITH_TIMEOUT(farm.node(i).outcomes.size(), kPerNode, 20000);
        for (int i = 0; i < 3; ++i) {
            HarnessNode &n = farm.node(i);
            QTRY_VERIFY_WITH_TIMEOUT(n.delivered.size() >= 3 * kPerNode, 20000);
            QTest::qWait(200);
            const QStringList texts = textsOf(n.delivered);
            const QSet<QString> distinct(texts.begin(), texts.end());
            QCOMPARE(texts.size(), 3 * kPerNode); // nothing twice
            QCOMPARE(distinct.size(), 3 * kPerNode); // nothing lost
            for (const PublishOutcome &o : n.outcomes)
                QVERIFY2(o.ok(), qPrintable(o.error().text));
        }
    }
};

QTEST_GUILESS_MAIN(tst_StreamsBackplane)
#include "tst_streamsbackplane.moc"
