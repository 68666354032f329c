#include "redis/redisconnection.h"
#include "tests/support/fakeredis.h"
#include "tests/support/freeport.h"
#include "tests/support/testredisserver.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <optional>

#ifdef Q_OS_UNIX
#include <signal.h>
#endif

using namespace farmchat;
using farmchat::test::FakeRedis;
using farmchat::test::scaledMs;
using farmchat::test::TestRedisServer;

namespace {

// Collects the reply of one command.
struct Reply
{
    std::optional<RedisValue> value;
    RedisConnection::ReplyCallback callback()
    {
        return [this](const RedisValue &v) { value = v; };
    }
};

RedisValue run(RedisConnection &connection, const QList<QByteArray> &args, int timeoutMs = 0)
{
    Reply reply;
    connection.command(args, reply.callback(), timeoutMs);
    const bool answered = QTest::qWaitFor([&] { return reply.value.has_value(); }, 10000);
    return answered ? *reply.value
                    : RedisValue::linkError(QStringLiteral("test: no callback within 10 s"));
}

RedisConnectionOptions optionsFor(const TestRedisServer &server, int db = 0)
{
    RedisConnectionOptions options;
    options.url = RedisUrl::parse(server.url(db)).value();
    options.password = server.password();
    options.clientName = QStringLiteral("tst-redisconnection");
    return options;
}

} // namespace

// RedisConnection against a real redis-server (and a fake one for the replies a
// real server never sends): the state machine, deadlines, liveness, reconnects,
// subscriptions, and the hiredis lifetime traps.
class tst_RedisConnection : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void connectsAuthenticatesAndSelects()
    {
        TestRedisServer server;
        FARMCHAT_START_REDIS(server);
        RedisConnection connection(optionsFor(server, 3));
        QSignalSpy ready(&connection, &RedisConnection::ready);
        connection.start();
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, 5000);
        QCOMPARE(connection.state(), RedisConnection::State::Ready);

        const RedisValue info = run(connection, {"CLIENT", "INFO"});
        QVERIFY2(info.isString(), qPrintable(info.describe()));
        QVERIFY2(info.bytes().contains(" db=3 "), info.bytes().constData());
        QVERIFY(info.bytes().contains(" name=tst-redisconnection "));

        QCOMPARE(run(connection, {"SET", "k", QByteArray("v\0w", 3)}).expectOk("SET"), QString());
        QCOMPARE(run(connection, {"GET", "k"}), RedisValue::bulk(QByteArray("v\0w", 3)));
        QCOMPARE(run(connection, {"INCRBY", "n", "5"}), RedisValue::integer(5));
        QCOMPARE(run(connection, {"GET", "missing"}), RedisValue());
        const RedisValue error = run(connection, {"INCR", "k"});
        QVERIFY(error.isError() && !error.isLinkError());
        QVERIFY(connection.isReady()); // a Redis error reply is an answer, not a broken link
        QCOMPARE(run(connection, {"RPUSH", "l", "a", "b"}), RedisValue::integer(2));
        QCOMPARE(run(connection, {"LRANGE", "l", "0", "-1"}),
            RedisValue::array({RedisValue::bulk("a"), RedisValue::bulk("b")}));
        // Commands that would switch hiredis' context into another mode are refused.
        for (const QByteArray &verb : {QByteArray("subscribe"), QByteArray("MONITOR")}) {
            const RedisValue refused = run(connection, {verb, "x"});
            QVERIFY(refused.isLinkError());
            QVERIFY2(refused.errorText().contains(QStringLiteral("subscriber connection")),
                qPrintable(refused.errorText()));
        }
        QCOMPARE(run(connection, {"PING"}), RedisValue::status("PONG"));
        // The data went to db 3, not db 0.
        QCOMPARE(server.command({"EXISTS", "k"}).value.toLongLong(), 0);
    }

    void refusedPassword_data()
    {
        QTest::addColumn<QByteArray>("password");
        QTest::addColumn<QString>("expected");
        QTest::addRow("wrong") << QByteArray("not-the-s3cret") << "WRONGPASS";
        QTest::addRow("missing") << QByteArray() << "NOAUTH";
    }
    void refusedPassword()
    {
        QFETCH(QByteArray, password);
        QFETCH(QString, expected);
        TestRedisServer server;
        FARMCHAT_START_REDIS(server);
        RedisConnectionOptions options = optionsFor(server);
        options.password = password;
        options.backoff.firstDelayMs = 50;
        RedisConnection connection(options);
        QSignalSpy failed(&connection, &RedisConnection::attemptFailed);
        QSignalSpy ready(&connection, &RedisConnection::ready);
        connection.start();
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 2, 5000); // it keeps retrying, with back-off
        QCOMPARE(ready.count(), 0);
        const QString error = failed.first().first().toString();
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("FARMCHAT_REDIS_PASSWORD")) || password.isEmpty(),
            qPrintable(error));
        QVERIFY(!error.contains(QStringLiteral("s3cret")));
        QCOMPARE(connection.lastError(), failed.last().first().toString());
        QVERIFY(connection.lastErrorAtMs() > 0);
        // Commands fail fast, and never from inside command() itself.
        bool called = false;
        RedisValue value;
        connection.command({"PING"}, [&](const RedisValue &v) {
            called = true;
            value = v;
        });
        QVERIFY(!called);
        QTRY_VERIFY(called);
        QVERIFY(value.isLinkError());
        QVERIFY2(value.errorText().startsWith(QStringLiteral("not connected to Redis")),
            qPrintable(value.errorText()));
    }

    void commandDeadline()
    {
        TestRedisServer server;
        FARMCHAT_START_REDIS(server);
        RedisConnectionOptions options = optionsFor(server);
        // The probe must outlast the pause below, which the time factor stretches too.
        options.probeTimeoutMs = scaledMs(options.probeTimeoutMs);
        RedisConnection connection(options);
        connection.start();
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 5000);
        QCOMPARE(run(connection, {"SET", "a", "1"}).expectOk("SET"), QString());
        QCOMPARE(run(connection, {"SET", "b", "2"}).expectOk("SET"), QString());

        // Redis answers nobody for 1.5 s (stretched with the time factor, so
        // it still outlasts the bound below): the command's 200 ms deadline passes.
        const int pauseMs = scaledMs(1500);
        QVERIFY(server.command({"CLIENT", "PAUSE", QByteArray::number(pauseMs), "ALL"}).ok);
        QElapsedTimer clock;
        clock.start();
        const RedisValue late = run(connection, {"GET", "a"}, 200);
        QVERIFY2(late.isLinkError(), qPrintable(late.describe()));
        QCOMPARE(late.errorText(), QStringLiteral("Redis did not answer GET within 200 ms"));
        QVERIFY2(clock.elapsed() >= 190 && clock.elapsed() < scaledMs(1200),
            qPrintable(QString::number(clock.elapsed())));

        // When Redis answers again, the late reply to GET a must not be taken
        // for the answer to the next command.
        const RedisValue next = run(connection, {"GET", "b"}, pauseMs + scaledMs(3500));
        QCOMPARE(next, RedisValue::bulk("2"));
        QVERIFY(
            connection.isReady()); // slow is not dead: the probe was answered within its deadline
        QCOMPARE(connection.reconnects(), 0);
    }

#ifdef Q_OS_UNIX
    void hungRedisIsNoticed_data()
    {
        QTest::addColumn<bool>("subscriber");
        QTest::addRow("commands") << false;
        QTest::addRow("subscriber") << true;
    }
    void hungRedisIsNoticed()
    {
        // SIGSTOP: the TCP connection stays up but nothing answers, like a
        // half-open link. The idle probe must notice within idle + timeout.
        QFETCH(bool, subscriber);
        TestRedisServer server;
        FARMCHAT_START_REDIS(server);
        RedisConnectionOptions options = optionsFor(server);
        options.probeIdleMs = 200;
        options.probeTimeoutMs = 300;
        options.connectTimeoutMs = 500;
        if (subscriber)
            options.role = RedisConnectionOptions::Role::Subscriber;
        RedisConnection connection(options);
        connection.start();
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 5000);
        QTest::qWait(700); // several probe rounds on a healthy link change nothing
        QVERIFY(connection.isReady());

        QSignalSpy lost(&connection, &RedisConnection::lost);
        QElapsedTimer clock;
        clock.start();
        QCOMPARE(::kill(pid_t(server.pid()), SIGSTOP), 0);
        QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 3000);
        const qint64 noticed = clock.elapsed();
        ::kill(pid_t(server.pid()), SIGCONT);
        QVERIFY2(noticed <= 200 + 300 + 300,
            qPrintable(QStringLiteral("noticed after %1 ms").arg(noticed)));
        QVERIFY2(lost.first().first().toString().contains(QStringLiteral("liveness probe")),
            qPrintable(lost.first().first().toString()));
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 5000);
        QCOMPARE(connection.reconnects(), 1);
    }
#endif

    void reconnectsAfterRedisRestarts()
    {
        TestRedisServer server;
        FARMCHAT_START_REDIS(server);
        RedisConnectionOptions options = optionsFor(server);
        RedisConnection connection(options);
        connection.start();
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 5000);

        // Outstanding commands fail with a link error, in the order they were issued.
        QList<int> order;
        QList<RedisValue> values;
        for (int i = 0; i < 3; ++i) {
            connection.command(
                {"BLPOP", "never", "10"},
                [&, i](const RedisValue &v) {
                    order << i;
                    values << v;
                },
                20000);
        }
        QSignalSpy lost(&connection, &RedisConnection::lost);
        QSignalSpy ready(&connection, &RedisConnection::ready);
        QTest::qWait(50);
        server.kill();
        QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 3000);
        QTRY_COMPARE(order.size(), 3);
        QCOMPARE(order, (QList<int> {0, 1, 2}));
        for (const RedisValue &v : values)
            QVERIFY2(v.isLinkError()
                    && v.errorText().startsWith(QStringLiteral("connection to Redis lost")),
                qPrintable(v.describe()));
        QVERIFY(connection.state() == RedisConnection::State::Waiting
            || connection.state() == RedisConnection::State::Connecting);

        QTest::qWait(300); // a few failed attempts while Redis is down
        FARMCHAT_VERIFY_OK(server.restart());
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, 8000);
        QCOMPARE(connection.reconnects(), 1);
        QCOMPARE(run(connection, {"PING"}), RedisValue::status("PONG"));
        QVERIFY(!connection.lastError().isEmpty()); // kept for /health after recovery
    }

    void resubscribesAfterClientKill()
    {
        TestRedisServer server;
        FARMCHAT_START_REDIS(server);
        RedisConnectionOptions options = optionsFor(server);
        options.role = RedisConnectionOptions::Role::Subscriber;
        RedisConnection subscriber(options);
        QSignalSpy subscribed(&subscriber, &RedisConnection::subscribed);
        QSignalSpy messages(&subscriber, &RedisConnection::message);
        QSignalSpy lost(&subscriber, &RedisConnection::lost);
        subscriber.subscribe("room:a"); // before start: sent once ready
        subscriber.start();
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 1, 5000);
        subscriber.subscribe("room:b");
        QTRY_COMPARE(subscribed.count(), 2);
        QVERIFY(subscriber.isSubscribed("room:a") && subscriber.isSubscribed("room:b"));

        QCOMPARE(server.command({"PUBLISH", "room:a", "one"}).value.toLongLong(), 1);
        QTRY_COMPARE(messages.count(), 1);
        QCOMPARE(messages.first().at(0).toByteArray(), QByteArray("room:a"));
        QCOMPARE(messages.first().at(1).toByteArray(), QByteArray("one"));

        QVERIFY(server.command({"CLIENT", "KILL", "TYPE", "pubsub"}).ok);
        QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 3000);
        QVERIFY(!subscriber.isSubscribed("room:a"));
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 4, 5000); // both again
        QCOMPARE(server.command({"PUBLISH", "room:b", "two"}).value.toLongLong(), 1);
        QTRY_COMPARE(messages.count(), 2);
        QCOMPARE(messages.last().at(1).toByteArray(), QByteArray("two"));

        // Counted: a second user of the channel keeps it after the first leaves.
        subscriber.subscribe("room:b");
        subscriber.unsubscribe("room:b");
        QVERIFY(subscriber.isSubscribed("room:b"));
        subscriber.unsubscribe("room:a");
        QTRY_COMPARE(
            server.command({"PUBSUB", "NUMSUB", "room:a"}).value.toList().value(1).toLongLong(), 0);
        server.command({"PUBLISH", "room:a", "unheard"});
        QCOMPARE(server.command({"PUBLISH", "room:b", "three"}).value.toLongLong(), 1);
        QTRY_COMPARE(messages.count(), 3);
        QCOMPARE(messages.last().at(1).toByteArray(), QByteArray("three"));

        // A subscriber runs no commands.
        Reply reply;
        subscriber.command({"GET", "x"}, reply.callback());
        QTRY_VERIFY(reply.value.has_value());
        QVERIFY(reply.value->isLinkError());
    }

    void outputBufferLimitEndsTheLinkAndItComesBack()
    {
        // A subscriber that cannot keep up is disconnected by Redis itself.
        TestRedisServer server;
        FARMCHAT_START_REDIS(server, "client-output-buffer-limit pubsub 64kb 32kb 1\n");
        RedisConnectionOptions options = optionsFor(server);
        options.role = RedisConnectionOptions::Role::Subscriber;
        RedisConnection subscriber(options);
        QSignalSpy subscribed(&subscriber, &RedisConnection::subscribed);
        QSignalSpy lost(&subscriber, &RedisConnection::lost);
        subscriber.subscribe("flood");
        subscriber.start();
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 1, 5000);
        // The test's event loop is not running while this Lua script floods the
        // channel, so the subscriber reads nothing and its buffer overflows.
        const auto flood = server.command({"EVAL",
            "for i=1,200 do redis.call('PUBLISH', KEYS[1], string.rep('x', 4096)) end return 1",
            "1", "flood"});
        QVERIFY2(flood.ok, flood.error.constData());
        QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 2, 5000);
    }

    void malformedFramesEndTheLink_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addRow("one element") << QByteArray("*1\r\n$9\r\nsubscribe\r\n");
        QTest::addRow("integer kind") << QByteArray("*3\r\n:1\r\n$2\r\nch\r\n:1\r\n");
        QTest::addRow("status kind") << QByteArray("*3\r\n+subscribe\r\n$2\r\nch\r\n:1\r\n");
        QTest::addRow("nil channel") << QByteArray("*3\r\n$9\r\nsubscribe\r\n$-1\r\n:1\r\n");
        QTest::addRow("array channel") << QByteArray("*3\r\n$9\r\nsubscribe\r\n*0\r\n:1\r\n");
        QTest::addRow("unsubscribe without count")
            << QByteArray("*2\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n");
        QTest::addRow("unsubscribe bulk count")
            << QByteArray("*3\r\n$11\r\nUNSUBSCRIBE\r\n$2\r\nch\r\n$1\r\n0\r\n");
        QTest::addRow("punsubscribe nil count")
            << QByteArray("*3\r\n$12\r\npunsubscribe\r\n$2\r\nch\r\n$-1\r\n");
        // hiredis reads the kind as a C string: this is an "unsubscribe" to it (fuzz finding).
        QTest::addRow("unsubscribe with a NUL, without count")
            << QByteArray("*2\r\n$13\r\nunsubscribe\0x\r\n$2\r\nch\r\n", 32);
    }
    void malformedFramesEndTheLink()
    {
        // hiredis 0.14 would assert() on these; the frame guard turns them into an error.
        QFETCH(QByteArray, frame);
        FakeRedis fake;
        fake.answers.insert("PING", "+PONG\r\n");
        fake.answers.insert("SUBSCRIBE", frame);
        RedisConnectionOptions options;
        options.url
            = RedisUrl::parse(QStringLiteral("redis://127.0.0.1:%1/0").arg(fake.port())).value();
        options.role = RedisConnectionOptions::Role::Subscriber;
        options.backoff.firstDelayMs = 2000; // one round is enough
        RedisConnection subscriber(options);
        QSignalSpy lost(&subscriber, &RedisConnection::lost);
        subscriber.start();
        QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 5000);
        const QString error = lost.first().first().toString();
        QVERIFY2(error.startsWith(QStringLiteral("Redis sent a malformed pub/sub frame")),
            qPrintable(error));
    }

    void badRepliesEndTheLink_data()
    {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<QString>("expected");
        QTest::addRow("unknown type byte") << QByteArray("?what\r\n") << "Protocol error";
        // hiredis 0.14 would assert() on a reply nobody asked for.
        QTest::addRow("one reply too many") << QByteArray("$1\r\nx\r\n+EXTRA\r\n")
                                            << "Redis sent a reply no command was waiting for";
        QTest::addRow("an array too many") << QByteArray("$1\r\nx\r\n*1\r\n:1\r\n")
                                           << "Redis sent a reply no command was waiting for";
        // hiredis would calloc 13.6 GB for this header alone (fuzz finding).
        QTest::addRow("a huge array")
            << QByteArray("*1700000000\r\n") << "Redis sent an array of more than 100000 elements";
        QTest::addRow("an error too many")
            << QByteArray("$1\r\nx\r\n-ERR max number of clients reached\r\n")
            << "ERR max number of clients reached";
    }
    void badRepliesEndTheLink()
    {
        QFETCH(QByteArray, answer);
        QFETCH(QString, expected);
        FakeRedis fake;
        fake.answers.insert("PING", "+PONG\r\n");
        fake.answers.insert("GET", answer);
        RedisConnectionOptions options;
        options.url
            = RedisUrl::parse(QStringLiteral("redis://127.0.0.1:%1/0").arg(fake.port())).value();
        options.backoff.firstDelayMs = 2000;
        RedisConnection connection(options);
        QSignalSpy lost(&connection, &RedisConnection::lost);
        connection.start();
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 5000);
        run(connection, {"GET", "x"});
        QTRY_COMPARE(lost.count(), 1);
        QVERIFY2(lost.first().first().toString().contains(expected),
            qPrintable(lost.first().first().toString()));
        QCOMPARE(connection.state(), RedisConnection::State::Waiting); // and it will try again
    }

    void silentServerHitsTheConnectTimeout()
    {
        FakeRedis fake;
        fake.silent = true;
        RedisConnectionOptions options;
        options.url
            = RedisUrl::parse(QStringLiteral("redis://127.0.0.1:%1/0").arg(fake.port())).value();
        options.connectTimeoutMs = 300;
        RedisConnection connection(options);
        QSignalSpy failed(&connection, &RedisConnection::attemptFailed);
        QElapsedTimer clock;
        clock.start();
        connection.start();
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 3000);
        QVERIFY(clock.elapsed() >= 290);
        QCOMPARE(failed.first().first().toString(),
            QStringLiteral("could not connect to Redis at 127.0.0.1:%1 within 300 ms")
                .arg(fake.port()));
    }

    void nothingListeningBacksOff()
    {
        RedisConnectionOptions options;
        options.url
            = RedisUrl::parse(QStringLiteral("redis://127.0.0.1:%1/0").arg(test::findFreePort()))
                  .value();
        options.backoff.firstDelayMs = 20;
        options.backoff.maxDelayMs = 160;
        RedisConnection connection(options);
        QSignalSpy failed(&connection, &RedisConnection::attemptFailed);
        QElapsedTimer clock;
        clock.start();
        connection.start();
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 6, 5000);
        // 20+40+80+160+160 ms of back-off, ±20 %, at least
        QVERIFY2(clock.elapsed() >= 360, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(failed.first().first().toString().contains(QStringLiteral("Connection refused")));
        connection.stop();
        QCOMPARE(connection.state(), RedisConnection::State::Stopped);
        const int attempts = int(failed.count());
        QTest::qWait(400);
        QCOMPARE(failed.count(), attempts); // stopped means stopped
    }

    void hostNamesAreResolvedWithoutBlocking()
    {
        TestRedisServer server;
        FARMCHAT_START_REDIS(server);
        RedisConnectionOptions options = optionsFor(server);
        options.url.host = QStringLiteral("localhost");
        RedisConnection connection(options);
        connection.start();
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 5000);
    }

    void destroyedFromItsOwnCallbacks()
    {
        // The classic hiredis use-after-free traps: the owner goes away while
        // hiredis is still on the stack (reply, link lost, pub/sub message).
        TestRedisServer server;
        FARMCHAT_START_REDIS(server);

        auto connection = std::make_unique<RedisConnection>(optionsFor(server));
        connection->start();
        QTRY_VERIFY_WITH_TIMEOUT(connection->isReady(), 5000);
        bool second = false;
        connection->command({"PING"}, [&](const RedisValue &) { connection.reset(); });
        connection->command({"PING"}, [&](const RedisValue &) { second = true; });
        QTRY_VERIFY(!connection);
        QTest::qWait(100);
        QVERIFY(!second); // dropped with its connection

        RedisConnectionOptions options = optionsFor(server);
        options.role = RedisConnectionOptions::Role::Subscriber;
        auto subscriber = std::make_unique<RedisConnection>(options);
        subscriber->subscribe("c");
        subscriber->start();
        QTRY_VERIFY_WITH_TIMEOUT(subscriber->isSubscribed("c"), 5000);
        connect(subscriber.get(), &RedisConnection::message, this, [&] { subscriber.reset(); });
        server.command({"PUBLISH", "c", "1"});
        QTRY_VERIFY(!subscriber);

        auto dropped = std::make_unique<RedisConnection>(optionsFor(server));
        dropped->start();
        QTRY_VERIFY_WITH_TIMEOUT(dropped->isReady(), 5000);
        connect(dropped.get(), &RedisConnection::lost, this, [&] { dropped.reset(); });
        dropped->command(
            {"BLPOP", "x", "5"}, [](const RedisValue &) {}, 10000);
        server.command({"CLIENT", "KILL", "TYPE", "normal"});
        QTRY_VERIFY_WITH_TIMEOUT(!dropped, 3000);

        // The server still works and nothing crashed afterwards.
        QTest::qWait(100);
        QCOMPARE(server.command({"PING"}).value.toByteArray(), QByteArray("PONG"));
    }

    void stopAndRestartFromCallbacks()
    {
        TestRedisServer server;
        FARMCHAT_START_REDIS(server);
        RedisConnection connection(optionsFor(server));
        connection.start();
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 5000);
        RedisValue second;
        connection.command({"PING"}, [&](const RedisValue &) {
            connection.stop();
            connection.start();
        });
        connection.command({"PING"}, [&](const RedisValue &v) { second = v; });
        QTRY_VERIFY(second.isError());
        QCOMPARE(second.errorText(), QStringLiteral("connection stopped"));
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 5000);
        QCOMPARE(run(connection, {"PING"}), RedisValue::status("PONG"));
    }
};

QTEST_GUILESS_MAIN(tst_RedisConnection)
#include "tst_redisconnection.moc"
