#pragma once

#include <QWidget>

class QLabel;
class QTableView;

namespace farmchat {

class DeliveryMatrixModel;
class FarmWorkspace;

// The Delivery matrix dock's content: every message × every pane as a table
// (DeliveryMatrixModel), a legend, and the totals per backplane mode — the
// view that makes "who received what" visible at a glance.
class DeliveryMatrixView : public QWidget
{
    Q_OBJECT
public:
    explicit DeliveryMatrixView(FarmWorkspace &workspace, QWidget *parent = nullptr);
    ~DeliveryMatrixView() override;

    DeliveryMatrixModel &model() { return *m_model; }
    QTableView *table() const { return m_table; }
    QString totalsText() const;

    // Room the message column keeps when the panes' columns fill the table.
    static constexpr int kReadableMessageChars = 24;

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void followPaneNodes();
    void updateTotals();
    void fitMessageColumn();

    FarmWorkspace &m_workspace;
    DeliveryMatrixModel *m_model; // child of this
    QTableView *m_table;
    QLabel *m_totals;
};

} // namespace farmchat
