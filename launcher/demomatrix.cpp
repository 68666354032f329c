#include "launcher/demomatrix_p.h"

#include "client/deliverytracker.h"
#include "client/deliveryverdict.h"
#include "platform/terminal.h"

#include <QJsonArray>

namespace farmchat {

namespace {

constexpr int kGreen = 78;
constexpr int kRed = 203;
constexpr int kGrey = 245;

// Whether the cell is what the row's mode promised, as DeliveryVerdict judges
// rows: late but there is kept; a pub/sub loss the node warned about is counted.
bool cellKeepsPromise(const DeliveryRow &row, const DeliveryCell &cell)
{
    if (!cell.expected)
        return cell.receipts == 0;
    if (cell.state == DeliveryState::Delivered || cell.state == DeliveryState::Late)
        return true;
    return cell.state == DeliveryState::Missing && row.warned
        && row.message.mode == BackplaneMode::PubSub;
}

QString symbol(const DeliveryCell &cell)
{
    switch (cell.state) {
    case DeliveryState::Delivered:
        return QStringLiteral("✓");
    case DeliveryState::Missing:
    case DeliveryState::NotExpected:
        return QStringLiteral("✗");
    case DeliveryState::Pending:
        return QStringLiteral("…");
    case DeliveryState::Duplicated:
        return QStringLiteral("✓×%1").arg(cell.receipts);
    case DeliveryState::Late:
        return QStringLiteral("✓ late");
    case DeliveryState::OutOfOrder:
        return QStringLiteral("✓ order");
    case DeliveryState::Unexpected:
        return QStringLiteral("✓");
    }
    return QStringLiteral("?");
}

// Pads by characters as a terminal shows them (the symbols are one column wide).
QString pad(const QString &text, int width)
{
    return text + QString(qMax(0, width - int(text.size())), u' ');
}

} // namespace

QString DemoMatrix::promise(BackplaneMode mode)
{
    switch (mode) {
    case BackplaneMode::Off:
        return QStringLiteral("messages stay on the node they were sent to");
    case BackplaneMode::PubSub:
        return QStringLiteral("every pane gets every message once, through Redis pub/sub");
    case BackplaneMode::Streams:
        return QStringLiteral(
            "every pane gets every message once, in one order, through Redis streams");
    }
    return {};
}

bool DemoMatrix::passed(const DeliveryTracker &tracker, const QList<int> &rows)
{
    if (rows.isEmpty())
        return false;
    const DeliveryVerdict verdict
        = judgeDeliveries(tracker, tracker.row(rows.first()).message.mode, rows);
    return verdict.promiseKept() && verdict.pending == 0;
}

QString DemoMatrix::text(
    const DeliveryTracker &tracker, const QList<int> &rows, BackplaneMode mode, bool colour)
{
    const int labelWidth = 24;
    int columnWidth = 10;
    for (int c = 0; c < tracker.columnCount(); ++c)
        columnWidth = qMax(columnWidth, int(tracker.pane(c).nodeId.size()) + 2);

    QString out = QStringLiteral("\nBackplane %1: %2\n").arg(modeName(mode), promise(mode));
    out += QStringLiteral("  ") + pad(QStringLiteral("message \\ pane"), labelWidth);
    for (int c = 0; c < tracker.columnCount(); ++c)
        out += pad(tracker.pane(c).nodeId, columnWidth);
    out += u'\n';
    int broken = 0;
    for (const int r : rows) {
        const DeliveryRow &row = tracker.row(r);
        out += QStringLiteral("  ")
            + pad(QStringLiteral("from %1").arg(row.message.originNode), labelWidth);
        for (const DeliveryCell &cell : row.cells) {
            const bool ok = cellKeepsPromise(row, cell);
            broken += ok ? 0 : 1;
            const QString mark = symbol(cell) + (ok ? QString() : QStringLiteral(" !"));
            const int paletteIndex = !ok ? kRed : cell.receipts > 0 ? kGreen : kGrey;
            // Colour codes take no columns: pad first, then colour.
            out += colourise(pad(mark, columnWidth), paletteIndex, colour);
        }
        out += u'\n';
    }
    out += QStringLiteral("  ✓ delivered   ✗ not delivered   ! not what %1 promises\n")
               .arg(modeName(mode));
    const bool ok = passed(tracker, rows);
    const DeliveryVerdict verdict = judgeDeliveries(tracker, mode, rows);
    out += QStringLiteral("  %1\n").arg(verdict.text());
    out += QStringLiteral("  %1: %2 of %3 messages as promised%4\n")
               .arg(modeName(mode))
               .arg(verdict.kept)
               .arg(rows.size())
               .arg(ok ? QStringLiteral(" — PASS")
                       : QStringLiteral(" — FAIL (%1 cells broke the promise)").arg(broken));
    return out;
}

QJsonObject DemoMatrix::json(
    const DeliveryTracker &tracker, const QList<int> &rows, BackplaneMode mode)
{
    QJsonArray panes;
    for (int c = 0; c < tracker.columnCount(); ++c)
        panes.append(tracker.pane(c).nodeId);
    QJsonArray messages;
    for (const int r : rows) {
        const DeliveryRow &row = tracker.row(r);
        QJsonArray cells;
        for (const DeliveryCell &cell : row.cells) {
            cells.append(QJsonObject {{"state", deliveryStateName(cell.state)},
                {"expected", cell.expected}, {"receipts", cell.receipts},
                {"latencyMs", cell.latencyMs}, {"ok", cellKeepsPromise(row, cell)}});
        }
        messages.append(
            QJsonObject {{"id", row.message.id}, {"from", row.message.originNode}, {"cells", cells},
                {"ok", judgeDeliveries(tracker, row.message.mode, {r}).promiseKept()}});
    }
    return {{"mode", modeName(mode)}, {"promise", promise(mode)}, {"panes", panes},
        {"messages", messages}, {"ok", passed(tracker, rows)}};
}

} // namespace farmchat
