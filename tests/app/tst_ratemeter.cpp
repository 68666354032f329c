// RateMeter: events per second over the last second, fading as buckets age.
#include "app/ratemeter.h"

#include <QTest>

using namespace farmchat;

using Events = QList<QPair<qint64, int>>; // (time ms, count)

class tst_RateMeter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void rate_data();
    void rate();
    void total();
};

void tst_RateMeter::rate_data()
{
    QTest::addColumn<Events>("events");
    QTest::addColumn<qint64>("at");
    QTest::addColumn<double>("expected");
    QTest::addRow("none") << Events {} << qint64(1000) << 0.0;
    QTest::addRow("one burst, read at once") << Events {{5000, 50}} << qint64(5000) << 50.0;
    QTest::addRow("spread over a second")
        << Events {{5000, 10}, {5300, 10}, {5900, 10}} << qint64(5950) << 30.0;
    QTest::addRow("older than a second is gone")
        << Events {{5000, 10}, {6500, 5}} << qint64(6500) << 5.0;
    QTest::addRow("all stale") << Events {{5000, 10}} << qint64(7000) << 0.0;
    QTest::addRow("long gap then burst") << Events {{1000, 99}, {60000, 7}} << qint64(60010) << 7.0;
}

void tst_RateMeter::rate()
{
    QFETCH(Events, events);
    QFETCH(qint64, at);
    QFETCH(double, expected);
    RateMeter meter;
    for (const auto &[time, count] : events)
        meter.add(time, count);
    QCOMPARE(meter.perSecond(at), expected);
}

void tst_RateMeter::total()
{
    RateMeter meter;
    meter.add(100, 3);
    meter.add(100000, 4);
    meter.add(100001, 0);
    QCOMPARE(meter.total(), quint64(7));
}

QTEST_GUILESS_MAIN(tst_RateMeter)
#include "tst_ratemeter.moc"
