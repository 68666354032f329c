#include "redis/clusterrouter.h"
#include "redis/clustershardlinks.h"
#include "redis/clusterslot.h"
#include "tests/support/fakeredis.h"
#include "tests/support/freeport.h"

#include <QSignalSpy>
#include <QTest>

#include <optional>

using namespace farmchat;
using farmchat::test::FakeRedis;

namespace {

// CLUSTER SLOTS of a one-node cluster: the fake owns every slot.
const QByteArray kSelfOwnsAll = "*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:%PORT%\r\n";

RedisConnectionOptions fastOptions()
{
    RedisConnectionOptions options;
    options.password = "secret";
    options.connectTimeoutMs = 500;
    options.commandTimeoutMs = 500;
    options.backoff.firstDelayMs = 50;
    return options;
}

QList<RedisUrl> seedAt(quint16 port)
{
    return {RedisUrl::parse(QStringLiteral("redis://127.0.0.1:%1/0").arg(port)).value()};
}

RedisValue run(ClusterRouter &router, const QList<QByteArray> &args, int keyIndex = 1)
{
    std::optional<RedisValue> reply;
    router.command(args, keyIndex, [&reply](const RedisValue &v) { reply = v; });
    const bool answered = QTest::qWaitFor([&] { return reply.has_value(); }, 10000);
    return answered ? *reply
                    : RedisValue::linkError(QStringLiteral("test: no callback within 10 s"));
}

} // namespace

// ClusterRouter's bounds, against a scripted fake node (tst_clusterrouter runs
// the real cluster): redirects that never end, a malformed or missing slot
// map, bad redirects and key-less commands all end in an error naming the
// slot, within the documented bounds.
class tst_ClusterRouterBounds : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void endlessRedirectsAreCut_data()
    {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<bool>("ask");
        QTest::addRow("MOVED to itself")
            << QByteArray("-MOVED 12182 127.0.0.1:%PORT%\r\n") << false;
        QTest::addRow("MOVED, unknown endpoint") << QByteArray("-MOVED 12182 :%PORT%\r\n") << false;
        QTest::addRow("ASK to itself") << QByteArray("-ASK 12182 127.0.0.1:%PORT%\r\n") << true;
    }
    void endlessRedirectsAreCut()
    {
        QFETCH(QByteArray, answer);
        QFETCH(bool, ask);
        FakeRedis fake;
        fake.answers.insert("PING", "+PONG\r\n");
        fake.answers.insert("CLUSTER", kSelfOwnsAll);
        fake.answers.insert("GET", answer);
        ClusterRouter router(seedAt(fake.port()), fastOptions());
        router.start();
        QTRY_VERIFY_WITH_TIMEOUT(router.isReady(), 5000);
        const RedisValue reply = run(router, {"GET", "foo"});
        QVERIFY(reply.isLinkError());
        const QString last = QString::fromUtf8(answer.mid(1, answer.size() - 3))
                                 .replace(QStringLiteral("%PORT%"), QString::number(fake.port()));
        QCOMPARE(reply.errorText(),
            QStringLiteral(
                "slot 12182 on 127.0.0.1:%1: still redirected after 5 redirects (last: %2)")
                .arg(fake.port())
                .arg(last));
        QCOMPARE(fake.received.value("GET"), 1 + ClusterRouter::kMaxRedirects);
        if (ask) {
            QCOMPARE(fake.received.value("ASKING"), ClusterRouter::kMaxRedirects);
            QCOMPARE(router.askRedirects(), ClusterRouter::kMaxRedirects);
            QCOMPARE(fake.received.value("CLUSTER"), 1); // ASK leaves the map alone
        } else {
            QCOMPARE(fake.received.value("ASKING"), 0);
            QCOMPARE(router.movedRedirects(), ClusterRouter::kMaxRedirects);
            QCOMPARE(fake.received.value("CLUSTER"), 1 + ClusterRouter::kMaxRedirects);
        }
    }

    void movedGoesToTheNewOwner()
    {
        FakeRedis oldOwner;
        FakeRedis newOwner;
        const QByteArray ownsAll = "*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:"
            + QByteArray::number(newOwner.port()) + "\r\n";
        for (FakeRedis *fake : {&oldOwner, &newOwner})
            fake->answers.insert("PING", "+PONG\r\n");
        oldOwner.answers.insert("CLUSTER", kSelfOwnsAll);
        oldOwner.answers.insert(
            "GET", "-MOVED 12182 127.0.0.1:" + QByteArray::number(newOwner.port()) + "\r\n");
        newOwner.answers.insert("CLUSTER", ownsAll);
        newOwner.answers.insert("GET", "$2\r\nhi\r\n");
        // The first seed is down: the second one gives the map.
        QList<RedisUrl> seeds = seedAt(test::findFreePort());
        seeds << seedAt(oldOwner.port());
        ClusterRouter router(seeds, fastOptions());
        QSignalSpy changed(&router, &ClusterRouter::slotMapChanged);
        router.start();
        QTRY_VERIFY_WITH_TIMEOUT(router.isReady(), 5000);
        QCOMPARE(router.slotMap().primaryFor(0)->port, oldOwner.port());

        // The old owner still says it owns the slot: the command goes where
        // MOVED said all the same.
        QCOMPARE(run(router, {"GET", "foo"}), RedisValue::bulk("hi"));
        QCOMPARE(newOwner.received.value("GET"), 1);
        QCOMPARE(router.slotMap().primaryFor(0)->port, oldOwner.port());

        // Now it knows: the refresh after the next MOVED moves the map.
        oldOwner.answers.insert("CLUSTER", ownsAll);
        QCOMPARE(run(router, {"GET", "foo"}), RedisValue::bulk("hi"));
        QCOMPARE(router.slotMap().primaryFor(12182)->port, newOwner.port());
        QCOMPARE(changed.size(), 2);
        QCOMPARE(router.movedRedirects(), 2);
        QCOMPARE(run(router, {"GET", "foo"}), RedisValue::bulk("hi")); // straight there
        QCOMPARE(oldOwner.received.value("GET"), 2);
        QCOMPARE(newOwner.received.value("GET"), 3);
    }

    // A primary that dies is not followed by a MOVED (nobody answers): the
    // router reads the map again on each failed reconnect until the slots
    // have a new owner, with no command needed to notice.
    void unreachablePrimaryIsFollowedToItsSuccessor()
    {
        auto dying = std::make_unique<FakeRedis>();
        FakeRedis survivor;
        const QByteArray split = "*2\r\n*3\r\n:0\r\n:8191\r\n*2\r\n$9\r\n127.0.0.1\r\n:"
            + QByteArray::number(dying->port())
            + "\r\n*3\r\n:8192\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:"
            + QByteArray::number(survivor.port()) + "\r\n";
        for (FakeRedis *fake : {dying.get(), &survivor}) {
            fake->answers.insert("PING", "+PONG\r\n");
            fake->answers.insert("CLUSTER", split);
        }
        QList<RedisUrl> seeds = seedAt(dying->port());
        seeds << seedAt(survivor.port());
        ClusterRouter router(seeds, fastOptions());
        router.start();
        QTRY_VERIFY_WITH_TIMEOUT(router.isSlotReady(0) && router.isSlotReady(16383), 5000);
        const int asked = survivor.received.value("CLUSTER");
        dying.reset(); // its links break and every reconnect is refused
        QTest::qWait(300);
        QVERIFY(!router.isSlotReady(0));
        QVERIFY(router.isSlotReady(16383));
        QVERIFY2(survivor.received.value("CLUSTER") > asked + 1,
            "the map is read again while the primary stays unreachable");
        // Its replica takes over: the survivor now names itself for every slot.
        survivor.answers.insert("CLUSTER", kSelfOwnsAll);
        QTRY_VERIFY_WITH_TIMEOUT(router.isSlotReady(0), 5000);
        QCOMPARE(router.slotMap().primaryFor(0)->port, survivor.port());
    }

    // A shard's streams link (ClusterShardLinks) that is answered MOVED, say
    // by a primary demoted while the link stayed open: nothing was written,
    // so the command fails as a link error (sent again by its user, never
    // refused to a sender), the link ends and the map is read again.
    void shardLinkAnsweredMovedStartsOver()
    {
        FakeRedis fake;
        fake.answers.insert("PING", "+PONG\r\n");
        fake.answers.insert("CLUSTER", kSelfOwnsAll);
        fake.answers.insert("ROLE", "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
        fake.answers.insert("XADD", "-MOVED 4477 127.0.0.1:1\r\n");
        ClusterRouter router(seedAt(fake.port()), fastOptions());
        ClusterShardLinks links(router, fastOptions());
        router.start();
        QTRY_COMPARE_WITH_TIMEOUT(links.anchors().size(), 1, 5000);
        const QByteArray anchor = links.anchors().constFirst();
        QCOMPARE(anchor, QByteArray("a0"));
        RedisConnection *commands = links.commands(anchor);
        QVERIFY(commands && links.reader(anchor));
        QTRY_VERIFY_WITH_TIMEOUT(commands->isReady(), 5000);
        QVERIFY(fake.received.value("ROLE") >= 1); // checked at the handshake
        QSignalSpy notPrimary(commands, &RedisConnection::notPrimary);
        QSignalSpy lost(commands, &RedisConnection::lost);
        const int mapsBefore = fake.received.value("CLUSTER");
        std::optional<RedisValue> reply;
        commands->command({"XADD", "farmchat:{a0}:stream:lobby", "*", "f", "v"},
            [&reply](const RedisValue &v) { reply = v; });
        QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 5000);
        QVERIFY2(reply->isLinkError(), qPrintable(reply->describe()));
        QVERIFY2(reply->errorText().contains(u"no longer serves the slot (MOVED 4477"),
            qPrintable(reply->errorText()));
        QCOMPARE(notPrimary.size(), 1);
        QCOMPARE(lost.size(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(fake.received.value("CLUSTER") > mapsBefore, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(commands->isReady(), 5000); // the map still names it
    }

    void badRedirectIsAnError()
    {
        FakeRedis fake;
        fake.answers.insert("PING", "+PONG\r\n");
        fake.answers.insert("CLUSTER", kSelfOwnsAll);
        fake.answers.insert("GET", "-MOVED x 127.0.0.1:1\r\n");
        ClusterRouter router(seedAt(fake.port()), fastOptions());
        router.start();
        QTRY_VERIFY_WITH_TIMEOUT(router.isReady(), 5000);
        QCOMPARE(run(router, {"GET", "foo"}).errorText(),
            QStringLiteral("slot 12182 on 127.0.0.1:%1: redirect 'MOVED x 127.0.0.1:1': bad slot")
                .arg(fake.port()));
    }

    void redisErrorsPassUnchanged()
    {
        FakeRedis fake;
        fake.answers.insert("PING", "+PONG\r\n");
        fake.answers.insert("CLUSTER", kSelfOwnsAll);
        fake.answers.insert("INCR", "-WRONGTYPE Operation against a key\r\n");
        ClusterRouter router(seedAt(fake.port()), fastOptions());
        router.start();
        QTRY_VERIFY_WITH_TIMEOUT(router.isReady(), 5000);
        QCOMPARE(
            run(router, {"INCR", "foo"}), RedisValue::error("WRONGTYPE Operation against a key"));
    }

    void malformedSlotMapFailsWaitingCommands()
    {
        FakeRedis fake;
        fake.answers.insert("PING", "+PONG\r\n");
        fake.answers.insert(
            "CLUSTER", "*1\r\n*2\r\n:0\r\n:16383\r\n"); // a range without its primary
        ClusterRouter router(seedAt(fake.port()), fastOptions());
        QSignalSpy failed(&router, &ClusterRouter::refreshFailed);
        router.start();
        const QString error = QStringLiteral(
            "slot map from 127.0.0.1:%1: CLUSTER SLOTS range 0: expected an array of at least 3 "
            "elements, got 2")
                                  .arg(fake.port());
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 5000);
        QCOMPARE(failed.first().first().toString(), error);
        QCOMPARE(run(router, {"GET", "foo"}).errorText(),
            QStringLiteral("slot 12182: no slot map: ") + error);
        QVERIFY(!router.isReady());
    }

    void unreachableSeedFailsWithinTheBound()
    {
        ClusterRouter router(seedAt(test::findFreePort()), fastOptions());
        router.start();
        const RedisValue reply = run(router, {"SET", "bar", "1"});
        QVERIFY(reply.isLinkError());
        QCOMPARE(reply.errorText(),
            QStringLiteral("slot 5061: no cluster node gave a slot map within 1000 ms"));
        const auto shards = router.shards();
        QCOMPARE(shards.size(), 1);
        QVERIFY(!shards.first().primary);
        QVERIFY(!shards.first().lastError.isEmpty());
    }

    void commandsNeedAKeyAndAStart()
    {
        ClusterRouter router(seedAt(test::findFreePort()), fastOptions());
        QCOMPARE(run(router, {"GET", "foo"}).errorText(),
            QStringLiteral("slot 12182: the cluster router is not started"));
        router.start();
        QCOMPARE(run(router, {"GET"}).errorText(),
            QStringLiteral("a cluster command needs a key: GET has no argument 1"));
        QCOMPARE(run(router, {"GET", "foo"}, -1).errorText(),
            QStringLiteral("a cluster command needs a key: GET has no argument -1"));
    }
};

QTEST_GUILESS_MAIN(tst_ClusterRouterBounds)
#include "tst_clusterrouterbounds.moc"
