#include "server/tokenbucket_p.h"

#include <QTest>

using namespace farmchat;

class tst_TokenBucket : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void burstThenRefill_data();
    void burstThenRefill();
    void neverAboveBurst();
    void clockGoingBackwardsIsHarmless();
};

void tst_TokenBucket::burstThenRefill_data()
{
    QTest::addColumn<int>("rate");
    QTest::addRow("1/s") << 1;
    QTest::addRow("10/s") << 10;
    QTest::addRow("200/s") << 200;
}

void tst_TokenBucket::burstThenRefill()
{
    QFETCH(int, rate);
    TokenBucket bucket(rate, rate, 0);
    for (int i = 0; i < rate; ++i)
        QVERIFY(bucket.take(0));
    QVERIFY(!bucket.take(0));
    const qint64 oneTokenMs = 1000 / rate;
    QVERIFY(bucket.take(oneTokenMs));
    QVERIFY(!bucket.take(oneTokenMs));
}

void tst_TokenBucket::neverAboveBurst()
{
    TokenBucket bucket(5, 5, 0);
    int taken = 0;
    while (bucket.take(100000))
        ++taken;
    QCOMPARE(taken, 5);
}

void tst_TokenBucket::clockGoingBackwardsIsHarmless()
{
    TokenBucket bucket(1, 1, 1000);
    QVERIFY(bucket.take(1000));
    QVERIFY(!bucket.take(10));
    QVERIFY(bucket.take(2000));
}

QTEST_GUILESS_MAIN(tst_TokenBucket)
#include "tst_tokenbucket.moc"
