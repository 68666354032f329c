#include "app/deliverymatrixmodel.h"

#include "app/nodepalette_p.h"
#include "client/deliveryverdict.h"

#include <QBrush>

namespace farmchat {

DeliveryMatrixModel::DeliveryMatrixModel(DeliveryTracker &tracker, QObject *parent)
    : QAbstractTableModel(parent)
    , m_tracker(tracker)
    , m_rows(tracker.rowCount())
    , m_panes(tracker.columnCount())
{
    // The tracker has already changed when it signals; the mirrored counts
    // keep rowCount()/columnCount() consistent between begin and end.
    connect(&m_tracker, &DeliveryTracker::rowAdded, this, [this](int row) {
        beginInsertRows({}, row, row);
        m_rows = m_tracker.rowCount();
        endInsertRows();
    });
    connect(&m_tracker, &DeliveryTracker::paneAdded, this, [this](int pane) {
        beginInsertColumns({}, kFirstPaneColumn + pane, kFirstPaneColumn + pane);
        m_panes = m_tracker.columnCount();
        endInsertColumns();
    });
    connect(&m_tracker, &DeliveryTracker::cellChanged, this, [this](int row, int pane) {
        if (row >= m_rows || pane >= m_panes)
            return;
        const QModelIndex at = index(row, kFirstPaneColumn + pane);
        Q_EMIT dataChanged(at, at);
    });
    connect(&m_tracker, &DeliveryTracker::rowChanged, this, [this](int row) {
        if (row >= m_rows)
            return;
        Q_EMIT dataChanged(index(row, 0), index(row, columnCount() - 1));
    });
    connect(&m_tracker, &DeliveryTracker::cleared, this, [this] {
        beginResetModel();
        m_rows = 0;
        m_panes = 0;
        m_labels.clear();
        endResetModel();
    });
}

void DeliveryMatrixModel::setMessageText(const QString &id, const QString &label)
{
    m_labels.insert(id, label);
    if (const int row = m_tracker.rowOf(id); row >= 0 && row < m_rows) {
        const QModelIndex at = index(row, kMessageColumn);
        Q_EMIT dataChanged(at, at);
    }
}

void DeliveryMatrixModel::setDark(bool dark)
{
    if (m_dark == dark)
        return;
    m_dark = dark;
    if (m_rows > 0 && m_panes > 0)
        Q_EMIT dataChanged(index(0, 0), index(m_rows - 1, columnCount() - 1), {Qt::BackgroundRole});
}

bool DeliveryMatrixModel::isNotCrossed(const DeliveryRow &row, const DeliveryCell &cell)
{
    return row.message.mode == BackplaneMode::Off && cell.state == DeliveryState::NotExpected;
}

int DeliveryMatrixModel::notCrossed(BackplaneMode mode) const
{
    int count = 0;
    for (int r = 0; r < m_rows; ++r) {
        const DeliveryRow &row = m_tracker.row(r);
        if (row.message.mode != mode)
            continue;
        for (const DeliveryCell &cell : row.cells)
            count += isNotCrossed(row, cell) ? 1 : 0;
    }
    return count;
}

QString DeliveryMatrixModel::totalsText(BackplaneMode mode) const
{
    // Judged by what the mode promises (DeliveryVerdict, shared with --demo);
    // "did not cross" says what off means, and latency what the rest cost.
    const DeliveryVerdict verdict = judgeDeliveries(m_tracker, mode);
    QString text = verdict.text();
    if (verdict.messages == 0)
        return text;
    const int stayed = notCrossed(mode);
    if (stayed > 0)
        text += QStringLiteral(" · ✕ %1 did not cross").arg(stayed);
    const DeliveryTotals t = m_tracker.totals(mode);
    if (t.p50LatencyMs >= 0)
        text += QStringLiteral(" · p50 %1 ms, p99 %2 ms").arg(t.p50LatencyMs).arg(t.p99LatencyMs);
    return text;
}

int DeliveryMatrixModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int DeliveryMatrixModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : kFirstPaneColumn + m_panes;
}

QVariant DeliveryMatrixModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows || index.column() >= columnCount())
        return {};
    const DeliveryRow &row = m_tracker.row(index.row());
    if (index.column() >= kFirstPaneColumn)
        return paneCell(index.row(), index.column() - kFirstPaneColumn, role);
    if (index.column() == kModeColumn) {
        if (role == Qt::DisplayRole)
            return modeName(row.message.mode);
        if (role == Qt::ToolTipRole)
            return QStringLiteral("the sender's node was in mode %1 when it was sent")
                .arg(modeName(row.message.mode));
        return {};
    }
    QString label = m_labels.value(row.message.id);
    if (label.isEmpty())
        label = m_labels.value(row.localId, row.message.id);
    switch (role) {
    case Qt::DisplayRole:
        return label;
    case Qt::ToolTipRole:
        return QStringLiteral("%1\nid %2, sent from %3 on %4%5")
            .arg(label, row.message.id, row.message.senderPane, row.message.originNode,
                row.matchesPromise
                    ? QStringLiteral("\nkept the mode's promise")
                    : QStringLiteral("\nbroke the mode's promise (or still pending)"));
    default:
        return {};
    }
}

QVariant DeliveryMatrixModel::paneCell(int row, int column, int role) const
{
    const DeliveryRow &r = m_tracker.row(row);
    if (column >= r.cells.size())
        return {};
    const DeliveryCell &cell = r.cells.at(column);
    const bool notCrossed = isNotCrossed(r, cell);
    switch (role) {
    case Qt::DisplayRole:
        if (notCrossed)
            return QStringLiteral("✕");
        if (cell.state == DeliveryState::Delivered && cell.latencyMs >= 0)
            return QStringLiteral("✓ %1 ms").arg(cell.latencyMs);
        if (cell.state == DeliveryState::Duplicated)
            return QStringLiteral("⊕ ×%1").arg(cell.receipts);
        if (cell.state == DeliveryState::Late && cell.latencyMs >= 0)
            return QStringLiteral("◷ %1 ms").arg(cell.latencyMs);
        if (r.awaitingNode && cell.state == DeliveryState::Pending)
            return QStringLiteral("… queued");
        return nodepalette::symbol(cell.state);
    case Qt::BackgroundRole: {
        if (notCrossed) {
            QColor c = nodepalette::colour(DeliveryState::Missing, m_dark);
            return QBrush(c, Qt::BDiagPattern);
        }
        const QColor c = nodepalette::colour(cell.state, m_dark);
        return c.isValid() ? QVariant(QBrush(c)) : QVariant();
    }
    case Qt::TextAlignmentRole:
        return int(Qt::AlignCenter);
    case Qt::ToolTipRole: {
        const QString pane
            = m_tracker.pane(column).id + QStringLiteral(" on ") + m_tracker.pane(column).nodeId;
        if (notCrossed)
            return QStringLiteral(
                "%1: did not cross. The backplane was off, so only the sender's node "
                "delivered it (off promises nothing more).")
                .arg(pane);
        if (r.awaitingNode && cell.state == DeliveryState::Pending)
            return QStringLiteral("%1: pending. The sender's node holds the message until "
                                  "Redis takes it (streams queues while Redis is down).")
                .arg(pane);
        QString text = QStringLiteral("%1: %2").arg(pane, nodepalette::describe(cell.state));
        if (cell.latencyMs >= 0)
            text += QStringLiteral(" (first arrival after %1 ms%2)")
                        .arg(cell.latencyMs)
                        .arg(cell.viaHistory ? QStringLiteral(", through History") : QString());
        if (cell.receipts > 1)
            text += QStringLiteral(", %1 copies").arg(cell.receipts);
        return text;
    }
    case StateRole:
        return int(cell.state);
    case NotCrossedRole:
        return notCrossed;
    default:
        return {};
    }
}

QVariant DeliveryMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical) {
        if (role == Qt::DisplayRole)
            return section + 1;
        return {};
    }
    if (section == kMessageColumn)
        return role == Qt::DisplayRole ? QVariant(QStringLiteral("message")) : QVariant();
    if (section == kModeColumn)
        return role == Qt::DisplayRole ? QVariant(QStringLiteral("mode")) : QVariant();
    const int pane = section - kFirstPaneColumn;
    if (pane < 0 || pane >= m_panes)
        return {};
    const DeliveryPane &p = m_tracker.pane(pane);
    if (role == Qt::DisplayRole) // the port: narrow columns, eight of them fit
        return p.nodeId.mid(p.nodeId.lastIndexOf(u'-') + 1);
    if (role == Qt::ToolTipRole)
        return QStringLiteral("%1, a client of %2").arg(p.id, p.nodeId);
    return {};
}

} // namespace farmchat
