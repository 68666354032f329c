#include "redis/redisvalue.h"

#include <QTest>

using namespace farmchat;

// RedisValue: replies are untrusted, so every expect*() on a wrong shape must
// give an error naming what was expected and what came, never a crash.
class tst_RedisValue : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void expectString_data()
    {
        QTest::addColumn<RedisValue>("value");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("error");
        QTest::addRow("bulk") << RedisValue::bulk("abc") << true << "";
        QTest::addRow("status") << RedisValue::status("OK") << true << "";
        QTest::addRow("nil") << RedisValue() << false << "thing: expected a string, got nil";
        QTest::addRow("integer") << RedisValue::integer(5) << false
                                 << "thing: expected a string, got integer 5";
        QTest::addRow("array") << RedisValue::array({RedisValue::bulk("a")}) << false
                               << "thing: expected a string, got an array of 1 elements";
        QTest::addRow("error") << RedisValue::error("WRONGTYPE nope") << false
                               << "thing: WRONGTYPE nope";
    }
    void expectString()
    {
        QFETCH(RedisValue, value);
        QFETCH(bool, ok);
        QFETCH(QString, error);
        const auto result = value.expectString("thing");
        QCOMPARE(result.ok(), ok);
        QCOMPARE(result.error(), error);
    }

    void expectArray_data()
    {
        QTest::addColumn<RedisValue>("value");
        QTest::addColumn<int>("minSize");
        QTest::addColumn<QString>("error");
        const RedisValue two = RedisValue::array({RedisValue::bulk("a"), RedisValue::integer(1)});
        QTest::addRow("big enough") << two << 2 << "";
        QTest::addRow("too small")
            << two << 3 << "list: expected an array of at least 3 elements, got 2";
        QTest::addRow("empty ok") << RedisValue::array({}) << 0 << "";
        QTest::addRow("bulk") << RedisValue::bulk(QByteArray(100, 'x')) << 0
                              << "list: expected an array, got a string of 100 bytes";
        QTest::addRow("nil") << RedisValue() << 0 << "list: expected an array, got nil";
    }
    void expectArray()
    {
        QFETCH(RedisValue, value);
        QFETCH(int, minSize);
        QFETCH(QString, error);
        const auto result = value.expectArray("list", minSize);
        QCOMPARE(result.ok(), error.isEmpty());
        QCOMPARE(result.error(), error);
        if (result.ok())
            QCOMPARE(result.value(), value.elements());
    }

    void expectIntegerAndOk()
    {
        QCOMPARE(RedisValue::integer(-3).expectInteger("n").value(), -3);
        QCOMPARE(RedisValue::bulk("3").expectInteger("n").error(),
            QStringLiteral("n: expected an integer, got a string of 1 bytes"));
        QCOMPARE(RedisValue::status("OK").expectOk("SET"), QString());
        QCOMPARE(RedisValue::status("QUEUED").expectOk("SET"),
            QStringLiteral("SET: expected OK, got status 'QUEUED'"));
        QCOMPARE(RedisValue::bulk("OK").expectOk("SET"),
            QStringLiteral("SET: expected OK, got a string of 2 bytes"));
    }

    void linkErrors()
    {
        const RedisValue server = RedisValue::error("ERR boom");
        const RedisValue link = RedisValue::linkError(QStringLiteral("connection to Redis lost"));
        QVERIFY(server.isError() && !server.isLinkError());
        QVERIFY(link.isError() && link.isLinkError());
        QCOMPARE(link.errorText(), QStringLiteral("connection to Redis lost"));
        QCOMPARE(RedisValue::bulk("x").errorText(), QString());
        QVERIFY(!(server == link));
    }

    void describeHidesContents()
    {
        // Bulk strings may carry secrets or user text: logs see their size only.
        QCOMPARE(RedisValue::bulk("hunter2").describe(), QStringLiteral("a string of 7 bytes"));
    }
};

QTEST_GUILESS_MAIN(tst_RedisValue)
#include "tst_redisvalue.moc"
