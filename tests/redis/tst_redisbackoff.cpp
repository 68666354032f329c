#include "redis/redisbackoff.h"

#include <QTest>

using namespace farmchat;

// RedisBackoff: doubling from the initial delay, capped, jittered by ±20 %.
class tst_RedisBackoff : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sequence_data()
    {
        QTest::addColumn<int>("initial");
        QTest::addColumn<int>("max");
        QTest::addColumn<QList<int>>("bases");
        QTest::addRow("default") << 100 << 5000
                                 << QList<int> {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
        QTest::addRow("small cap") << 50 << 120 << QList<int> {50, 100, 120, 120};
        QTest::addRow("cap below initial") << 300 << 10 << QList<int> {300, 300};
    }
    void sequence()
    {
        QFETCH(int, initial);
        QFETCH(int, max);
        QFETCH(QList<int>, bases);
        for (int round = 0; round < 50; ++round) { // jitter is random: check many runs
            RedisBackoff backoff(initial, max);
            for (int i = 0; i < bases.size(); ++i) {
                const int delay = backoff.next();
                const int cap = std::max(initial, max);
                QVERIFY2(
                    delay >= int(bases[i] * 0.8) && delay <= std::min(cap, int(bases[i] * 1.2) + 1),
                    qPrintable(QStringLiteral("attempt %1: %2 ms, base %3")
                                   .arg(i)
                                   .arg(delay)
                                   .arg(bases[i])));
            }
            QCOMPARE(backoff.attempts(), bases.size());
            backoff.reset();
            QCOMPARE(backoff.attempts(), 0);
            QVERIFY(backoff.next() <= int(bases[0] * 1.2) + 1);
        }
    }
    void manyAttemptsDoNotOverflow()
    {
        RedisBackoff backoff(100, 5000);
        for (int i = 0; i < 10000; ++i)
            QVERIFY(backoff.next() <= 5000);
    }
};

QTEST_GUILESS_MAIN(tst_RedisBackoff)
#include "tst_redisbackoff.moc"
