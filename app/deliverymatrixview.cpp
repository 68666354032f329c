#include "app/deliverymatrixview.h"

#include "app/deliverymatrixmodel.h"
#include "app/elidedlabel.h"
#include "app/farmworkspace.h"
#include "app/nodepalette_p.h"
#include "app/panesession.h"
#include "client/deliveryverdict.h"

#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

namespace farmchat {

DeliveryMatrixView::DeliveryMatrixView(FarmWorkspace &workspace, QWidget *parent)
    : QWidget(parent)
    , m_workspace(workspace)
    , m_model(new DeliveryMatrixModel(workspace.tracker(), this))
    , m_table(new QTableView(this))
    , m_totals(new QLabel(this))
{
    m_model->setDark(nodepalette::isDark(palette()));
    m_table->setModel(m_model);
    m_table->setObjectName(QStringLiteral("deliveryMatrix"));
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(
        DeliveryMatrixModel::kMessageColumn, QHeaderView::Stretch);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    // Compact rows, and a cell never narrower than its widest text ("◷ 12345 ms").
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    const int pad = fontMetrics().averageCharWidth();
    m_table->horizontalHeader()->setMinimumSectionSize(
        fontMetrics().horizontalAdvance(QStringLiteral("◷ 99999 ms")) + pad);
    // The mode column holds one of three words: exactly as wide as the widest.
    m_table->horizontalHeader()->setSectionResizeMode(
        DeliveryMatrixModel::kModeColumn, QHeaderView::Fixed);
    int modeWidth = 0;
    for (const QString &word :
        {tr("mode"), modeName(BackplaneMode::PubSub), modeName(BackplaneMode::Streams)})
        modeWidth = qMax(modeWidth, fontMetrics().horizontalAdvance(word) + pad * 2);
    m_table->horizontalHeader()->resizeSection(DeliveryMatrixModel::kModeColumn, modeWidth);
    // The message column gets every pixel the panes' columns leave: no row
    // numbers (the rows are in the order sent, the message says which), and
    // the scroll bar's room kept from the start, so the column does not
    // narrow when the tenth row makes the table scroll.
    m_table->verticalHeader()->hide();
    m_table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);

    // One line (the rest of it in the tooltip): the rows get the room.
    auto *legend = new ElidedLabel(this);
    legend->setText(
        tr("✓ delivered (ms) · ✕ missing, hatched: did not cross · ⊕ duplicated · ◷ late · "
           "⇅ out of order · … pending · ! unexpected"));
    m_totals->setTextFormat(Qt::PlainText);
    m_totals->setWordWrap(true);
    m_totals->setObjectName(QStringLiteral("matrixTotals"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addWidget(legend);
    layout->addWidget(m_totals);

    // Keep the newest message in sight while the user has not scrolled up.
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] {
        QScrollBar *bar = m_table->verticalScrollBar();
        if (bar->value() >= bar->maximum() - m_table->verticalHeader()->defaultSectionSize() * 2)
            m_table->scrollToBottom();
    });
    connect(&workspace.tracker(), &DeliveryTracker::totalsChanged, this,
        &DeliveryMatrixView::updateTotals);
    // Row labels: who said what (the tracker keeps ids only).
    connect(&workspace, &FarmWorkspace::messageSent, this,
        [this](
            int, const QString &id, const QString &label) { m_model->setMessageText(id, label); });
    connect(&workspace, &FarmWorkspace::messageSending, this,
        [this](
            int, const QString &id, const QString &label) { m_model->setMessageText(id, label); });
    followPaneNodes();
    connect(m_model, &QAbstractItemModel::columnsInserted, this, [this] { fitMessageColumn(); });
    connect(m_model, &QAbstractItemModel::columnsRemoved, this, [this] { fitMessageColumn(); });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] { fitMessageColumn(); });
    updateTotals();
}

DeliveryMatrixView::~DeliveryMatrixView() = default;

void DeliveryMatrixView::followPaneNodes()
{
    // Behind a load balancer a pane's column header names the node it is on
    // now, which a reconnect (or its node leaving) may change.
    const auto followNode = [this](int pane) {
        connect(m_workspace.pane(pane), &PaneSession::nodeChanged, m_model, [this] {
            Q_EMIT m_model->headerDataChanged(
                Qt::Horizontal, DeliveryMatrixModel::kFirstPaneColumn, m_model->columnCount() - 1);
        });
    };
    connect(&m_workspace, &FarmWorkspace::panesCreated, this, [this, followNode] {
        for (int i = 0; i < m_workspace.paneCount(); ++i)
            followNode(i);
    });
    connect(&m_workspace, &FarmWorkspace::paneAdded, this, followNode);
}

void DeliveryMatrixView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    fitMessageColumn();
}

void DeliveryMatrixView::fitMessageColumn()
{
    // The message column stretches over what the panes' columns leave. When
    // they leave too little (many panes, a narrow dock) it keeps room for
    // the sender and the first words, and the table scrolls sideways.
    QHeaderView *header = m_table->horizontalHeader();
    int others = 0;
    for (int c = 0; c < m_model->columnCount(); ++c) {
        if (c != DeliveryMatrixModel::kMessageColumn)
            others += qMax(header->sectionSize(c), header->minimumSectionSize());
    }
    const int readable = fontMetrics().averageCharWidth() * kReadableMessageChars;
    const bool fits = others + readable <= m_table->viewport()->width();
    header->setSectionResizeMode(DeliveryMatrixModel::kMessageColumn,
        fits ? QHeaderView::Stretch : QHeaderView::Interactive);
    if (!fits)
        header->resizeSection(DeliveryMatrixModel::kMessageColumn, readable);
}

QString DeliveryMatrixView::totalsText() const
{
    return m_totals->text();
}

void DeliveryMatrixView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        m_model->setDark(nodepalette::isDark(palette()));
    QWidget::changeEvent(event);
}

void DeliveryMatrixView::updateTotals()
{
    // Only the modes that have messages: a line per idle mode would take rows' room.
    QStringList lines;
    for (const BackplaneMode mode :
        {BackplaneMode::Off, BackplaneMode::PubSub, BackplaneMode::Streams}) {
        if (judgeDeliveries(m_workspace.tracker(), mode).messages > 0)
            lines << m_model->totalsText(mode);
    }
    if (lines.isEmpty())
        lines << tr("No messages yet: type in a pane and press Enter.");
    m_totals->setText(lines.join(u'\n'));
}

} // namespace farmchat
