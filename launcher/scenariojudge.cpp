#include "launcher/scenariojudge_p.h"

#include "client/deliverytracker.h"
#include "client/deliveryverdict.h"

#include <optional>

namespace farmchat {

namespace {

QList<int> rowsOf(const ScenarioExpectation &e, const ScenarioMeasures &m)
{
    QList<int> rows;
    for (int r = 0; r < m.tracker.rowCount(); ++r) {
        if (!e.phase.isEmpty() && m.phaseOfRow.value(r) != e.phase)
            continue;
        if (e.mode && m.tracker.row(r).message.mode != *e.mode)
            continue;
        rows << r;
    }
    return rows;
}

// Over the phases the expectation covers (all of them without a phase).
int perPhase(const QHash<QString, int> &counts, const QString &phase)
{
    if (!phase.isEmpty())
        return counts.value(phase);
    int sum = 0;
    for (const int count : counts)
        sum += count;
    return sum;
}

std::optional<qint64> latencyPercentile(const ScenarioMeasures &m, const QList<int> &rows, int p)
{
    const qint64 value = percentileOf(liveLatenciesMs(m.tracker, rows), p);
    return value < 0 ? std::nullopt : std::optional<qint64>(value);
}

// From the phase's start to the send of its first message that reached
// every pane it was promised to, live and in time: how long the farm took
// to carry messages again.
std::optional<qint64> recoveryMs(
    const ScenarioExpectation &e, const ScenarioMeasures &m, const QList<int> &rows)
{
    const qint64 start
        = m.phaseStartMs.value(e.phase.isEmpty() ? QStringLiteral("start") : e.phase);
    for (const int r : rows) {
        const DeliveryRow &row = m.tracker.row(r);
        if (row.refused || !row.matchesPromise)
            continue;
        const bool allLive
            = std::all_of(row.cells.cbegin(), row.cells.cend(), [](const DeliveryCell &c) {
                  return !c.expected || c.state == DeliveryState::Delivered;
              });
        if (allLive)
            return std::max<qint64>(0, row.message.sentAtMs - start);
    }
    return std::nullopt;
}

std::optional<double> measure(const ScenarioExpectation &e, const ScenarioMeasures &m)
{
    const QList<int> rows = rowsOf(e, m);
    const QString &what = e.measure;
    if (what == u"p50LatencyMs" || what == u"p99LatencyMs")
        return latencyPercentile(m, rows, what == u"p50LatencyMs" ? 50 : 99);
    if (what == u"recoveryMs")
        return recoveryMs(e, m, rows);
    if (what == u"historyResets")
        return perPhase(m.historyResets, e.phase);
    if (what == u"stickyFailures")
        return perPhase(m.stickyFailures, e.phase);
    if (what == u"refused")
        return double(std::count_if(
            rows.cbegin(), rows.cend(), [&m](int r) { return m.tracker.row(r).refused; }));
    const DeliveryVerdict v = judgeDeliveries(m.tracker, e.mode.value_or(BackplaneMode::Off), rows);
    const QHash<QString, int> counts {{QStringLiteral("messages"), v.messages},
        {QStringLiteral("kept"), v.kept}, {QStringLiteral("delivered"), v.delivered},
        {QStringLiteral("late"), v.late}, {QStringLiteral("lostCounted"), v.lostCounted},
        {QStringLiteral("lostUncounted"), v.lostUncounted},
        {QStringLiteral("missedWhileAway"), v.missedWhileAway},
        {QStringLiteral("duplicated"), v.duplicated}, {QStringLiteral("outOfOrder"), v.outOfOrder},
        {QStringLiteral("unexpected"), v.unexpected}, {QStringLiteral("pending"), v.pending},
        {QStringLiteral("promiseKept"), v.promiseKept() ? 1 : 0}};
    return counts.value(what);
}

} // namespace

DeliveryReport::Expectation judgeExpectation(
    const ScenarioExpectation &e, const ScenarioMeasures &m)
{
    DeliveryReport::Expectation judged;
    judged.text = e.describe();
    const std::optional<double> value = measure(e, m);
    if (!value) {
        judged.measured = QStringLiteral("none (nothing to measure)");
        judged.passed = false;
        return judged;
    }
    judged.measured = ScenarioExpectation::isBoolean(e.measure)
        ? (*value > 0 ? QStringLiteral("true") : QStringLiteral("false"))
        : QString::number(*value, 'g', 10);
    judged.passed = (!e.min || *value >= *e.min) && (!e.max || *value <= *e.max);
    return judged;
}

} // namespace farmchat
