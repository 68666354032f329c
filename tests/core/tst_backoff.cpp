// Backoff: the one retry-delay value type, with the shapes its users give it
// (HubConnection's reconnect, RedisConnection's reconnect, the launcher's
// crash restarts).
#include "core/backoff.h"

#include <QTest>

#include <algorithm>

using namespace farmchat;

class tst_Backoff : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void delays_data();
    void delays();
    void retries_data();
    void retries();
    void jitteredSequence_data();
    void jitteredSequence();
    void manyRetriesDoNotOverflow();
    void factor();
};

namespace {

// HubConnection's shape: the first retry at once, then the back-off.
Backoff reconnectShape(int first, int cap, double jitter)
{
    return Backoff {
        .immediateRetries = 1, .firstDelayMs = first, .maxDelayMs = cap, .jitter = jitter};
}

} // namespace

void tst_Backoff::delays_data()
{
    QTest::addColumn<int>("base");
    QTest::addColumn<int>("cap");
    QTest::addColumn<double>("jitter");
    QTest::addColumn<int>("attempt");
    QTest::addColumn<double>("random");
    QTest::addColumn<int>("expected");
    QTest::addRow("first attempt is immediate") << 500 << 10000 << 0.2 << 0 << 0.99 << 0;
    QTest::addRow("second waits the base") << 500 << 10000 << 0.0 << 1 << 0.5 << 500;
    QTest::addRow("doubles") << 500 << 10000 << 0.0 << 2 << 0.5 << 1000;
    QTest::addRow("doubles again") << 500 << 10000 << 0.0 << 4 << 0.5 << 4000;
    QTest::addRow("capped") << 500 << 10000 << 0.0 << 6 << 0.5 << 10000;
    QTest::addRow("capped forever") << 500 << 10000 << 0.0 << 1000 << 0.5 << 10000;
    QTest::addRow("jitter low end") << 500 << 10000 << 0.2 << 1 << 0.0 << 400;
    QTest::addRow("jitter high end") << 500 << 10000 << 0.2 << 1 << 1.0 << 600;
    QTest::addRow("jitter middle") << 500 << 10000 << 0.2 << 3 << 0.5 << 2000;
    QTest::addRow("jitter never passes the cap") << 500 << 10000 << 0.2 << 8 << 1.0 << 10000;
    QTest::addRow("jitter spreads below the cap") << 500 << 10000 << 0.2 << 8 << 0.0 << 8000;
    QTest::addRow("silly jitter is clamped") << 500 << 10000 << 7.0 << 1 << 0.0 << 0;
    QTest::addRow("negative base") << -5 << 10000 << 0.0 << 3 << 0.5 << 0;
}

void tst_Backoff::delays()
{
    QFETCH(int, base);
    QFETCH(int, cap);
    QFETCH(double, jitter);
    QFETCH(int, attempt);
    QFETCH(double, random);
    QFETCH(int, expected);
    QCOMPARE(reconnectShape(base, cap, jitter).delayMs(attempt, random), expected);
}

void tst_Backoff::retries_data()
{
    QTest::addColumn<int>("maxRetries");
    QTest::addColumn<int>("retry");
    QTest::addColumn<bool>("allowed");
    QTest::addRow("forever") << -1 << 100000 << true;
    QTest::addRow("within limit") << 3 << 2 << true;
    QTest::addRow("at limit") << 3 << 3 << false;
    QTest::addRow("never retries") << 0 << 0 << false;
}

void tst_Backoff::retries()
{
    QFETCH(int, maxRetries);
    QFETCH(int, retry);
    QFETCH(bool, allowed);
    const Backoff backoff {.firstDelayMs = 500, .maxRetries = maxRetries};
    QCOMPARE(backoff.allowsRetry(retry), allowed);
}

// RedisConnection's shape: doubling from the first delay, capped, ±20 %.
void tst_Backoff::jitteredSequence_data()
{
    QTest::addColumn<int>("initial");
    QTest::addColumn<int>("max");
    QTest::addColumn<QList<int>>("bases");
    QTest::addRow("default") << 100 << 5000
                             << QList<int> {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
    QTest::addRow("small cap") << 50 << 120 << QList<int> {50, 100, 120, 120};
    QTest::addRow("cap below initial") << 300 << 10 << QList<int> {300, 300};
}

void tst_Backoff::jitteredSequence()
{
    QFETCH(int, initial);
    QFETCH(int, max);
    QFETCH(QList<int>, bases);
    const Backoff backoff {.firstDelayMs = initial, .maxDelayMs = max, .jitter = 0.2};
    const int cap = std::max(initial, max);
    QCOMPARE(backoff.capMs(), cap);
    for (int round = 0; round < 50; ++round) { // jitter is random: check many runs
        for (int i = 0; i < bases.size(); ++i) {
            const int delay = backoff.delayMs(i);
            QVERIFY2(
                delay >= int(bases[i] * 0.8) && delay <= std::min(cap, int(bases[i] * 1.2) + 1),
                qPrintable(
                    QStringLiteral("attempt %1: %2 ms, base %3").arg(i).arg(delay).arg(bases[i])));
        }
        // The next outage starts again from the first delay.
        QVERIFY(backoff.delayMs(0) <= int(bases[0] * 1.2) + 1);
    }
}

void tst_Backoff::manyRetriesDoNotOverflow()
{
    const Backoff backoff {.firstDelayMs = 100, .maxDelayMs = 5000, .jitter = 0.2};
    for (int i = 0; i < 10000; ++i)
        QVERIFY(backoff.delayMs(i) <= 5000);
    const Backoff steep {.firstDelayMs = 100, .factor = 1e9, .maxDelayMs = 5000};
    QCOMPARE(steep.delayMs(1000000), 5000);
}

void tst_Backoff::factor()
{
    const Backoff triple {.firstDelayMs = 10, .factor = 3.0, .maxDelayMs = 1000};
    QCOMPARE(triple.delayMs(0), 10);
    QCOMPARE(triple.delayMs(2), 90);
    QCOMPARE(triple.delayMs(5), 1000);
    const Backoff flat {.firstDelayMs = 10, .factor = 0.5, .maxDelayMs = 1000};
    QCOMPARE(flat.delayMs(7), 10); // a factor below 1 never shrinks the delay
}

QTEST_GUILESS_MAIN(tst_Backoff)
#include "tst_backoff.moc"
