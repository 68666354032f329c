#include "redis/redisurl.h"
#include "redis/sentinelwatcher.h"

#include <QTest>

using namespace farmchat;

// RedisUrl: what --redis accepts, and that a password in it is refused
// without the password ever being repeated in the error.
class tst_RedisUrl : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void accepts_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<int>("db");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("unixSocket");
        QTest::addColumn<QString>("canonical");

        QTest::addRow("full") << "redis://127.0.0.1:6380/3"
                              << "127.0.0.1" << 6380 << 3 << ""
                              << ""
                              << "redis://127.0.0.1:6380/3";
        QTest::addRow("default port and db") << "redis://localhost"
                                             << "localhost" << 6379 << 0 << ""
                                             << ""
                                             << "redis://localhost:6379/0";
        QTest::addRow("trailing slash") << "redis://127.0.0.1:7000/"
                                        << "127.0.0.1" << 7000 << 0 << ""
                                        << ""
                                        << "redis://127.0.0.1:7000/0";
        QTest::addRow("ipv6") << "redis://[::1]:6379/1"
                              << "::1" << 6379 << 1 << ""
                              << ""
                              << "redis://[::1]:6379/1";
        QTest::addRow("acl user") << "redis://farm@127.0.0.1:6379/2"
                                  << "127.0.0.1" << 6379 << 2 << "farm"
                                  << ""
                                  << "redis://farm@127.0.0.1:6379/2";
        QTest::addRow("db as query") << "redis://127.0.0.1:6379?db=5"
                                     << "127.0.0.1" << 6379 << 5 << ""
                                     << ""
                                     << "redis://127.0.0.1:6379/5";
        QTest::addRow("upper-case scheme") << "REDIS://127.0.0.1:6379/0"
                                           << "127.0.0.1" << 6379 << 0 << ""
                                           << ""
                                           << "redis://127.0.0.1:6379/0";
        QTest::addRow("unix socket") << "unix:///run/redis/redis.sock"
                                     << "" << 6379 << 0 << ""
                                     << "/run/redis/redis.sock"
                                     << "unix:///run/redis/redis.sock";
        QTest::addRow("unix socket with db") << "unix:///tmp/r.sock?db=4"
                                             << "" << 6379 << 4 << ""
                                             << "/tmp/r.sock"
                                             << "unix:///tmp/r.sock?db=4";
    }
    void accepts()
    {
        QFETCH(QString, text);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(int, db);
        QFETCH(QString, user);
        QFETCH(QString, unixSocket);
        QFETCH(QString, canonical);
        const auto url = RedisUrl::parse(text);
        QVERIFY2(url.ok(), qPrintable(url.error()));
        QCOMPARE(url->host, host);
        QCOMPARE(int(url->port), port);
        QCOMPARE(url->db, db);
        QCOMPARE(url->user, user);
        QCOMPARE(url->unixSocket, unixSocket);
        QCOMPARE(url->toString(), canonical);
        // The canonical form parses back to the same thing.
        const auto again = RedisUrl::parse(url->toString());
        QVERIFY(again.ok());
        QCOMPARE(again->toString(), url->toString());
    }

    void refuses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected"); // a phrase the error must contain

        QTest::addRow("empty") << ""
                               << "empty";
        QTest::addRow("password") << "redis://:s3cret-pw@127.0.0.1:6379/0"
                                  << "FARMCHAT_REDIS_PASSWORD";
        QTest::addRow("user and password") << "redis://bob:s3cret-pw@127.0.0.1/0"
                                           << "FARMCHAT_REDIS_PASSWORD";
        QTest::addRow("empty password") << "redis://bob:@127.0.0.1/0"
                                        << "must not contain a password";
        QTest::addRow("tls") << "rediss://127.0.0.1:6379/0"
                             << "not supported";
        QTest::addRow("http") << "http://127.0.0.1:6379/0"
                              << "redis://";
        QTest::addRow("no scheme") << "127.0.0.1:6379"
                                   << "redis://";
        QTest::addRow("no host") << "redis:///0"
                                 << "no host";
        QTest::addRow("port zero") << "redis://127.0.0.1:0/0"
                                   << "port";
        QTest::addRow("bad port") << "redis://127.0.0.1:99999/0"
                                  << "port";
        QTest::addRow("db not a number") << "redis://127.0.0.1:6379/zero"
                                         << "database";
        QTest::addRow("negative db") << "redis://127.0.0.1:6379/-1"
                                     << "database";
        QTest::addRow("db with plus") << "redis://127.0.0.1:6379/+1"
                                      << "database";
        QTest::addRow("db path too deep") << "redis://127.0.0.1:6379/1/2"
                                          << "database";
        QTest::addRow("db twice") << "redis://127.0.0.1:6379/1?db=2"
                                  << "twice";
        QTest::addRow("unknown parameter") << "redis://127.0.0.1:6379/0?password=x"
                                           << "unknown parameter";
        QTest::addRow("fragment") << "redis://127.0.0.1:6379/0#x"
                                  << "fragment";
        QTest::addRow("unix without path") << "unix://"
                                           << "unix:///";
        QTest::addRow("unix with host") << "unix://host/tmp/r.sock"
                                        << "unix:///";
    }
    void refuses()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const auto url = RedisUrl::parse(text);
        QVERIFY(!url.ok());
        QVERIFY2(url.error().contains(expected), qPrintable(url.error()));
        QVERIFY2(!url.error().contains(QStringLiteral("s3cret")), "the error repeats the password");
    }

    // --redis-sentinel: HOST:PORT, comma-separated, port 26379 when left out.
    void sentinelList()
    {
        const auto list
            = parseSentinelList(QStringLiteral("127.0.0.1:26380, localhost,[::1]:7000"));
        QVERIFY2(list.ok(), qPrintable(list.error()));
        QCOMPARE(list->size(), 3);
        QCOMPARE(list->at(0).host, QStringLiteral("127.0.0.1"));
        QCOMPARE(list->at(0).port, quint16(26380));
        QCOMPARE(list->at(1).host, QStringLiteral("localhost"));
        QCOMPARE(list->at(1).port, quint16(26379));
        QCOMPARE(list->at(2).host, QStringLiteral("::1"));
        QCOMPARE(list->at(2).port, quint16(7000));
        QVERIFY(!parseSentinelList(QString()));
        QVERIFY(!parseSentinelList(QStringLiteral("127.0.0.1:0")));
        QVERIFY(!parseSentinelList(QStringLiteral("127.0.0.1:99999")));
        QVERIFY(!parseSentinelList(QStringLiteral(":26379")));
    }
};

QTEST_GUILESS_MAIN(tst_RedisUrl)
#include "tst_redisurl.moc"
