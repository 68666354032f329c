// The load generator's latency histogram: bucket precision over the whole
// range and percentiles that never under-report.
#include "bench/loadgen/latencyhistogram.h"

#include <QTest>

using namespace farmchat::bench;

class tst_LatencyHistogram : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void precision_data();
    void precision();
    void bucketsAreMonotonic();
    void percentiles();
    void merge();
    void empty();
};

void tst_LatencyHistogram::precision_data()
{
    QTest::addColumn<qint64>("value");
    for (qint64 v : {qint64(0), qint64(1), qint64(63), qint64(64), qint64(65), qint64(127),
             qint64(128), qint64(1000), qint64(123456), qint64(50000000), qint64(999999999),
             qint64(3600) * 1000000000})
        QTest::addRow("%lld", static_cast<long long>(v)) << v;
}

void tst_LatencyHistogram::precision()
{
    QFETCH(qint64, value);
    const int bucket = LatencyHistogram::bucketOf(static_cast<std::uint64_t>(value));
    QVERIFY(bucket >= 0 && bucket < LatencyHistogram::kBuckets);
    const auto upper = static_cast<qint64>(LatencyHistogram::bucketUpperEdge(bucket));
    QVERIFY(upper >= value);
    QVERIFY2(upper - value <= value / 64, qPrintable(QString::number(upper)));
    if (bucket > 0)
        QVERIFY(static_cast<qint64>(LatencyHistogram::bucketUpperEdge(bucket - 1)) < value);
}

void tst_LatencyHistogram::bucketsAreMonotonic()
{
    std::uint64_t previous = 0;
    for (int b = 1; b < LatencyHistogram::kBuckets; ++b) {
        const std::uint64_t edge = LatencyHistogram::bucketUpperEdge(b);
        QVERIFY2(edge > previous, qPrintable(QString::number(b)));
        QCOMPARE(LatencyHistogram::bucketOf(edge), b);
        previous = edge;
    }
}

void tst_LatencyHistogram::percentiles()
{
    LatencyHistogram h;
    for (int i = 1; i <= 1000; ++i)
        h.record(qint64(i) * 1000000); // 1..1000 ms
    QCOMPARE(h.count(), std::uint64_t(1000));
    const auto near
        = [](qint64 got, qint64 want) { return got >= want && got <= want + want / 64; };
    QVERIFY(near(h.percentile(50), 500000000));
    QVERIFY(near(h.percentile(99), 990000000));
    QCOMPARE(h.percentile(100), qint64(1000000000));
    QCOMPARE(h.max(), qint64(1000000000));
    QCOMPARE(h.min(), qint64(1000000));
}

void tst_LatencyHistogram::merge()
{
    LatencyHistogram a, b;
    a.record(10);
    b.record(20);
    b.record(30);
    a.add(b);
    QCOMPARE(a.count(), std::uint64_t(3));
    QCOMPARE(a.max(), qint64(30));
    QCOMPARE(a.percentile(50), qint64(20));
    a.reset();
    QCOMPARE(a.count(), std::uint64_t(0));
}

void tst_LatencyHistogram::empty()
{
    LatencyHistogram h;
    QCOMPARE(h.percentile(99), qint64(0));
    QCOMPARE(h.min(), qint64(0));
    h.record(-5); // a clock glitch is recorded as zero, not as a huge value
    QCOMPARE(h.max(), qint64(0));
}

QTEST_GUILESS_MAIN(tst_LatencyHistogram)
#include "tst_latencyhistogram.moc"
