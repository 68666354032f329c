#include "redis/redissubscriptions.h"

#include <QTest>

using namespace farmchat;

namespace {

RedisValue frame(std::initializer_list<RedisValue> parts)
{
    return RedisValue::array(QList<RedisValue>(parts));
}

RedisValue bulk(const char *text)
{
    return RedisValue::bulk(QByteArray(text));
}

using Kind = RedisSubscriptions::Event::Kind;

} // namespace

// RedisSubscriptions: counted channels, confirmation per link, and what each
// pub/sub frame means (malformed ones included).
class tst_RedisSubscriptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void countedUsers()
    {
        RedisSubscriptions subs;
        QVERIFY(subs.add("a")); // first user: SUBSCRIBE
        QVERIFY(!subs.add("a")); // second: nothing to send
        QVERIFY(!subs.remove("a")); // one user left
        QVERIFY(subs.remove("a")); // last one: UNSUBSCRIBE
        QVERIFY(!subs.remove("a")); // unknown: nothing
        QVERIFY(subs.channels().isEmpty());
    }

    void confirmationOncePerLink()
    {
        RedisSubscriptions subs;
        subs.add("a");
        const RedisValue confirm = frame({bulk("subscribe"), bulk("a"), RedisValue::integer(1)});
        QCOMPARE(subs.handle(confirm).kind, Kind::Subscribed);
        QVERIFY(subs.isConfirmed("a"));
        QCOMPARE(subs.handle(confirm).kind, Kind::None); // a repeated SUBSCRIBE
        subs.reset(); // the link ended
        QVERIFY(!subs.isConfirmed("a"));
        QCOMPARE(subs.handle(confirm).kind, Kind::Subscribed);
        QCOMPARE(subs.handle(frame({bulk("unsubscribe"), bulk("a"), RedisValue::integer(0)})).kind,
            Kind::None);
        QVERIFY(!subs.isConfirmed("a"));
    }

    // Sharded (SSUBSCRIBE): the s-frames count, the alias SUBSCRIBE's plain
    // frames mean nothing, and the server ending a wanted channel is Dropped.
    void shardedFrames()
    {
        RedisSubscriptions subs(true);
        subs.add("a");
        const auto alias = frame({bulk("subscribe"), bulk("a"), RedisValue::integer(1)});
        QCOMPARE(subs.handle(alias).kind, Kind::None);
        QVERIFY(!subs.isConfirmed("a"));
        QCOMPARE(subs.handle(frame({bulk("ssubscribe"), bulk("a"), RedisValue::integer(1)})).kind,
            Kind::Subscribed);
        QVERIFY(subs.isConfirmed("a"));
        QCOMPARE(subs.handle(frame({bulk("message"), bulk("a"), bulk("x")})).kind, Kind::None);
        const auto message = subs.handle(frame({bulk("smessage"), bulk("a"), bulk("hi")}));
        QCOMPARE(message.kind, Kind::Message);
        QCOMPARE(message.payload, QByteArray("hi"));
        QCOMPARE(subs.handle(frame({bulk("smessage"), bulk("a")})).kind, Kind::Malformed);
        const auto dropped
            = subs.handle(frame({bulk("sunsubscribe"), bulk("a"), RedisValue::integer(0)}));
        QCOMPARE(dropped.kind, Kind::Dropped);
        QCOMPARE(dropped.channel, QByteArray("a"));
        QVERIFY(!subs.isConfirmed("a"));
        // Not wanted any more: our own SUNSUBSCRIBE's answer is no news.
        subs.remove("a");
        QCOMPARE(subs.handle(frame({bulk("sunsubscribe"), bulk("a"), RedisValue::integer(0)})).kind,
            Kind::None);
        // A plain link ignores s-frames.
        RedisSubscriptions plain;
        plain.add("a");
        QCOMPARE(plain.handle(frame({bulk("smessage"), bulk("a"), bulk("x")})).kind, Kind::None);
    }

    void frames_data()
    {
        QTest::addColumn<RedisValue>("frame");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QByteArray>("payload");
        QTest::addRow("message") << frame({bulk("message"), bulk("a"), bulk("hello")})
                                 << int(Kind::Message) << QByteArray("hello");
        QTest::addRow("upper-case kind") << frame({bulk("MESSAGE"), bulk("a"), bulk("x")})
                                         << int(Kind::Message) << QByteArray("x");
        QTest::addRow("unwanted channel")
            << frame({bulk("message"), bulk("b"), bulk("x")}) << int(Kind::None) << QByteArray();
        QTest::addRow("probe confirmation")
            << frame({bulk("subscribe"), bulk("probe"), RedisValue::integer(2)}) << int(Kind::None)
            << QByteArray();
        QTest::addRow("pong") << frame({bulk("pong"), bulk("")}) << int(Kind::None) << QByteArray();
        QTest::addRow("message without payload")
            << frame({bulk("message"), bulk("a")}) << int(Kind::Malformed) << QByteArray();
        QTest::addRow("integer payload")
            << frame({bulk("message"), bulk("a"), RedisValue::integer(1)}) << int(Kind::Malformed)
            << QByteArray();
        QTest::addRow("not an array") << RedisValue::error("ERR only (P)SUBSCRIBE allowed")
                                      << int(Kind::Malformed) << QByteArray();
        QTest::addRow("one element")
            << frame({bulk("message")}) << int(Kind::Malformed) << QByteArray();
    }
    void frames()
    {
        QFETCH(RedisValue, frame);
        QFETCH(int, kind);
        QFETCH(QByteArray, payload);
        RedisSubscriptions subs;
        subs.add("a");
        const auto event = subs.handle(frame);
        QCOMPARE(int(event.kind), kind);
        QCOMPARE(event.payload, payload);
        if (event.kind == Kind::Malformed)
            QVERIFY(!event.error.isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_RedisSubscriptions)
#include "tst_redissubscriptions.moc"
