#include "tests/faults/faultcheck.h"

#include "tests/support/processinfo.h"

#include <QTest>

#include <algorithm>

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

Pump::Pump(TestFarm &farm, int total, int intervalMs, const QString &prefix)
    : m_farm(farm), m_total(total), m_prefix(prefix)
{
    QObject::connect(&m_timer, &QTimer::timeout, [this] {
        for (int s = 0; s < m_farm.seats() && m_issued < m_total; ++s)
            m_farm.send(s, QStringLiteral("%1%2").arg(m_prefix).arg(m_issued++));
        if (m_issued >= m_total)
            m_timer.stop();
    });
    m_timer.start(intervalMs);
}

qint64 missedByNode(TestFarm &farm, int node, QList<qint64> *perSeat)
{
    QSet<QString> others;
    for (int n = 0; n < farm.nodes(); ++n) {
        if (n != node)
            others.unite(farm.accepted(n));
    }
    qint64 first = -1;
    for (int s = 0; s < farm.seats(); ++s) {
        if (farm.seat(s).node != node)
            continue;
        qint64 missed = 0;
        for (const QString &t : others)
            missed += farm.seat(s).textCount.contains(t) ? 0 : 1;
        if (perSeat)
            perSeat->append(missed);
        if (first < 0)
            first = missed;
    }
    return first;
}

void checkGapsAreExact(TestFarm &farm, qint64 *totalMissed)
{
    for (int i = 0; i < farm.nodes(); ++i) {
        QList<qint64> perSeat;
        const qint64 missed = missedByNode(farm, i, &perSeat);
        QVERIFY2(std::all_of(perSeat.cbegin(), perSeat.cend(),
                     [&](qint64 m) { return m == perSeat.first(); }),
            "a node's clients must miss the same messages");
        QCOMPARE(farm.metric(i, "farmchat_backplane_dropped_total", "reason=\"gap\""), missed);
        *totalMissed += missed;
    }
}

} // namespace farmchat::test
