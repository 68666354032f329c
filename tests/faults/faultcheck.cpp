#include "tests/faults/faultcheck.h"

#include "tests/support/processinfo.h"

#include <QTest>

namespace farmchat::test {

QString Tally::summary() const
{
    return QStringLiteral("lost=%1 duplicated=%2 order-mismatches=%3 partial=%4")
        .arg(lost)
        .arg(duplicated)
        .arg(orderMismatches)
        .arg(partial);
}

Tally tally(TestFarm &farm, const QSet<QString> &accepted, bool checkOrder, const QString &room)
{
    Tally t;
    QHash<QString, int> seatsHaving;
    for (int s = 0; s < farm.seats(); ++s) {
        const FarmSeat &seat = farm.seat(s);
        t.duplicated += seat.duplicatesSuppressed;
        for (const QString &text : accepted)
            t.lost += seat.textCount.contains(text) ? 0 : 1;
        for (auto it = seat.textCount.cbegin(); it != seat.textCount.cend(); ++it) {
            t.duplicated += it.value() - 1;
            ++seatsHaving[it.key()];
        }
    }
    for (auto it = seatsHaving.cbegin(); it != seatsHaving.cend(); ++it) {
        if (!accepted.contains(it.key()) && it.value() != farm.seats()
            && !TestFarm::isReadyMarker(it.key()))
            ++t.partial;
    }
    if (checkOrder) {
        const QStringList reference = farm.seat(0).textsIn(room);
        for (int s = 1; s < farm.seats(); ++s)
            t.orderMismatches += farm.seat(s).textsIn(room) == reference ? 0 : 1;
    }
    return t;
}

qint64 waitForRedisConnected(TestFarm &farm, bool connected, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    QList<bool> done(farm.nodes(), false);
    while (clock.elapsed() < timeoutMs) {
        bool all = true;
        for (int i = 0; i < farm.nodes(); ++i) {
            if (!done[i])
                done[i] = farm.redisConnected(i) == connected;
            all = all && done[i];
        }
        if (all)
            return clock.elapsed();
        QTest::qWait(10);
    }
    return -1;
}

double peakNodeRssMiB(TestFarm &farm)
{
    qint64 peak = -1;
    for (int i = 0; i < farm.nodes(); ++i)
        peak = qMax(peak, processinfo::peakResidentKb(farm.node(i).pid()));
    return peak < 0 ? -1 : double(peak) / 1024.0;
}

} // namespace farmchat::test
