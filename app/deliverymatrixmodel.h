#pragma once

#include "client/deliverytracker.h"

#include <QAbstractTableModel>
#include <QHash>

namespace farmchat {

// The delivery matrix as a table for a QTableView: one row per message sent
// from a pane, column 0 the message, column 1 the backplane mode it was sent
// in, then one column per pane. Each cell has a symbol and colour per
// DeliveryState (never colour alone) and a tooltip sentence. A cell the mode
// never promised (backplane off: another node) that stayed empty is shown as
// "did not cross" (✕ on a hatched fill), because that is the problem the
// demo is about, while DeliveryTracker's totals still judge each mode by its
// own promise. Views only read it; DeliveryTracker is the truth.
class DeliveryMatrixModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    static constexpr int kMessageColumn = 0;
    static constexpr int kModeColumn = 1;
    static constexpr int kFirstPaneColumn = 2;

    enum Role {
        StateRole = Qt::UserRole + 1, // int(DeliveryState) of a pane cell
        NotCrossedRole, // bool: not promised (mode off) and not arrived
    };

    explicit DeliveryMatrixModel(DeliveryTracker &tracker, QObject *parent = nullptr);

    // The text shown for a message row (kept here: the tracker stores ids only).
    void setMessageText(const QString &id, const QString &label);
    void setDark(bool dark);

    // "streams: 5 messages · ✓ 2 delivered · ◷ 3 late, 0 lost — as promised";
    // off adds "✕ N did not cross" (cells), every mode its latency.
    QString totalsText(BackplaneMode mode) const;
    // Cells that did not cross (see above) among rows sent in `mode`.
    int notCrossed(BackplaneMode mode) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant paneCell(int row, int column, int role) const;
    static bool isNotCrossed(const DeliveryRow &row, const DeliveryCell &cell);

    DeliveryTracker &m_tracker;
    QHash<QString, QString> m_labels; // message id -> "user-1: text"
    int m_rows = 0;
    int m_panes = 0;
    bool m_dark = false;
};

} // namespace farmchat
