#include "client/deliveryverdict.h"

#include "client/deliverytracker.h"

#include <QStringList>

namespace farmchat {

namespace {

QString plural(int n, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
}

void judgeRow(const DeliveryRow &row, DeliveryVerdict &v)
{
    if (row.refused)
        return; // the sender was told it was not sent; nobody was meant to get it
    ++v.messages;
    bool pending = row.awaitingNode, missing = false, late = false, duplicated = false,
         reordered = false, unexpected = false, missedOnlyWhereAway = true;
    for (const DeliveryCell &cell : row.cells) {
        switch (cell.state) {
        case DeliveryState::Pending:
            pending = true;
            break;
        case DeliveryState::Missing:
            missing = true;
            missedOnlyWhereAway = missedOnlyWhereAway && cell.paneAway;
            break;
        case DeliveryState::Late:
            late = true;
            break;
        case DeliveryState::Duplicated:
            duplicated = true;
            break;
        case DeliveryState::OutOfOrder:
            reordered = true;
            break;
        case DeliveryState::Unexpected:
            unexpected = true;
            break;
        case DeliveryState::Delivered:
        case DeliveryState::NotExpected:
            break;
        }
    }
    if (duplicated || reordered || unexpected) {
        v.duplicated += duplicated ? 1 : 0;
        v.outOfOrder += reordered ? 1 : 0;
        v.unexpected += unexpected ? 1 : 0;
        return;
    }
    if (missing) {
        // Pub/sub documents the loss while Redis is down, and the node says so.
        if (row.message.mode == BackplaneMode::PubSub && row.warned) {
            ++v.lostCounted;
            ++v.kept;
        } else if (row.message.mode == BackplaneMode::PubSub && missedOnlyWhereAway) {
            // At most once: a pane whose node was down or cut off from Redis
            // when it was sent misses it (the node counts it as a gap).
            ++v.missedWhileAway;
            ++v.kept;
        } else {
            ++v.lostUncounted;
        }
        return;
    }
    if (pending) {
        ++v.pending;
        return;
    }
    ++v.kept;
    if (late)
        ++v.late;
    else
        ++v.delivered;
}

} // namespace

QString DeliveryVerdict::text() const
{
    const QString name = modeName(mode);
    if (messages == 0)
        return QStringLiteral("%1: no messages yet").arg(name);
    QStringList parts;
    parts << QStringLiteral("%1: %2").arg(name, plural(messages, "message", "messages"));
    if (delivered > 0)
        parts << QStringLiteral("✓ %1 delivered").arg(delivered);
    if (late > 0)
        parts << QStringLiteral("◷ %1 late, %2 lost").arg(late).arg(lostUncounted + lostCounted);
    if (lostCounted > 0)
        parts << QStringLiteral("%1 lost while Redis was down — expected for pub/sub, counted")
                     .arg(lostCounted);
    if (missedWhileAway > 0)
        parts << QStringLiteral("%1 missed by a pane whose node was down or cut off from Redis "
                                "— expected for pub/sub")
                     .arg(missedWhileAway);
    if (pending > 0)
        parts << QStringLiteral("… %1 pending").arg(pending);
    QStringList broke;
    if (lostUncounted > 0)
        broke << QStringLiteral("✕ %1 lost without a warning").arg(lostUncounted);
    if (duplicated > 0)
        broke << QStringLiteral("⊕ %1 duplicated").arg(duplicated);
    if (outOfOrder > 0)
        broke << QStringLiteral("⇅ %1 out of order").arg(outOfOrder);
    if (unexpected > 0)
        broke
            << QStringLiteral("! %1 reached a pane %2 does not promise").arg(unexpected).arg(name);
    QString out = parts.join(QStringLiteral(" · "));
    if (!broke.isEmpty())
        return out + QStringLiteral(" · ") + broke.join(QStringLiteral(" · "))
            + QStringLiteral(" — broke the promise");
    if (pending == messages)
        return out;
    return out + QStringLiteral(" — as promised");
}

DeliveryVerdict judgeDeliveries(const DeliveryTracker &tracker, BackplaneMode mode)
{
    QList<int> rows;
    for (int r = 0; r < tracker.rowCount(); ++r) {
        if (tracker.row(r).message.mode == mode)
            rows << r;
    }
    return judgeDeliveries(tracker, mode, rows);
}

DeliveryVerdict judgeDeliveries(
    const DeliveryTracker &tracker, BackplaneMode mode, const QList<int> &rows)
{
    DeliveryVerdict v;
    v.mode = mode;
    for (const int r : rows)
        judgeRow(tracker.row(r), v);
    return v;
}

} // namespace farmchat
