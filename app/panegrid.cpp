#include "app/panegrid.h"

#include "app/chatpane.h"
#include "app/farmworkspace.h"

#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QResizeEvent>
#include <QScrollBar>

namespace farmchat {

PaneGrid::PaneGrid(FarmWorkspace &workspace, QWidget *parent)
    : QWidget(parent)
    , m_workspace(workspace)
    , m_grid(new QGridLayout(this))
    , m_idle(new QLabel(this))
{
    m_idle->setAlignment(Qt::AlignCenter);
    m_idle->setWordWrap(true);
    m_idle->setTextFormat(Qt::PlainText);
    m_grid->addWidget(m_idle, 0, 0);
    connect(&m_workspace, &FarmWorkspace::panesCreated, this, &PaneGrid::rebuild);
    connect(&m_workspace, &FarmWorkspace::panesAboutToClear, this, &PaneGrid::clear);
    connect(&m_workspace, &FarmWorkspace::paneAdded, this, [this](int index) {
        m_panes << new ChatPane(m_workspace, index, this);
        reflow(true);
    });
}

void PaneGrid::setIdleText(const QString &text)
{
    m_idle->setText(text);
}

int PaneGrid::columnsFor(int width) const
{
    // A readable pane is about 36 average characters wide, whatever the DPI.
    const int minPane = fontMetrics().averageCharWidth() * 36;
    const int fit = qMax(1, width / qMax(1, minPane));
    const int n = qMax(1, paneCount());
    // Prefer a balanced grid: 4 panes as 2×2 rather than 3+1.
    int cols = qMin(fit, n);
    const int rows = (n + cols - 1) / cols;
    cols = (n + rows - 1) / rows;
    return cols;
}

void PaneGrid::clear()
{
    for (ChatPane *pane : std::as_const(m_panes)) {
        m_grid->removeWidget(pane);
        pane->hide();
        pane->deleteLater();
    }
    m_panes.clear();
    m_columns = 0;
    // The panes' rows and columns go with them: the text gets the whole room.
    for (int c = 0; c < m_grid->columnCount(); ++c)
        m_grid->setColumnStretch(c, 0);
    for (int r = 0; r < m_grid->rowCount(); ++r)
        m_grid->setRowStretch(r, 0);
    m_grid->removeWidget(m_idle);
    m_grid->addWidget(m_idle, 0, 0, qMax(1, m_grid->rowCount()), qMax(1, m_grid->columnCount()));
    m_idle->show();
}

void PaneGrid::rebuild()
{
    clear();
    m_idle->hide();
    for (int i = 0; i < m_workspace.paneCount(); ++i)
        m_panes << new ChatPane(m_workspace, i, this);
    reflow(true);
    if (!m_panes.isEmpty())
        m_panes.first()->focusInput();
}

void PaneGrid::reflow(bool force)
{
    if (m_panes.isEmpty())
        return;
    const int cols = columnsFor(width());
    if (!force && cols == m_columns)
        return;
    m_columns = cols;
    for (ChatPane *pane : std::as_const(m_panes))
        m_grid->removeWidget(pane);
    for (int i = 0; i < m_panes.size(); ++i) {
        m_grid->addWidget(m_panes[i], i / cols, i % cols);
        m_panes[i]->show();
    }
    for (int c = 0; c < m_grid->columnCount(); ++c)
        m_grid->setColumnStretch(c, c < cols ? 1 : 0);
    const int rows = (int(m_panes.size()) + cols - 1) / cols;
    for (int r = 0; r < m_grid->rowCount(); ++r)
        m_grid->setRowStretch(r, r < rows ? 1 : 0);
}

void PaneGrid::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    reflow(false);
}

int PaneGrid::focusedPane() const
{
    for (int i = 0; i < m_panes.size(); ++i) {
        if (m_panes[i]->isAncestorOf(QWidget::focusWidget()))
            return i;
    }
    return -1;
}

void PaneGrid::focusPane(int step)
{
    if (m_panes.isEmpty())
        return;
    const int n = int(m_panes.size());
    const int current = focusedPane();
    const int next = current < 0 ? (step >= 0 ? 0 : n - 1) : ((current + step) % n + n) % n;
    m_panes[next]->focusInput();
    // Eight panes on a small screen scroll: bring the focused one into view.
    if (auto *area
        = qobject_cast<QScrollArea *>(parentWidget() ? parentWidget()->parentWidget() : nullptr))
        area->ensureWidgetVisible(m_panes[next]);
}

PaneScrollArea::PaneScrollArea(PaneGrid *grid, QWidget *parent) : QScrollArea(parent)
{
    setObjectName(QStringLiteral("paneScroll"));
    setWidget(grid);
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFocusPolicy(Qt::NoFocus); // Tab goes from pane to pane, not to the area
    grid->installEventFilter(this); // its layout requests (QScrollArea's own filter, made explicit)
}

QSize PaneScrollArea::minimumSizeHint() const
{
    const QSize own = QScrollArea::minimumSizeHint();
    if (!widget())
        return own;
    return {qMax(own.width(),
                widget()->minimumSizeHint().width() + verticalScrollBar()->sizeHint().width()),
        own.height()};
}

bool PaneScrollArea::eventFilter(QObject *watched, QEvent *event)
{
    // The grid reflowed (columns or panes changed): its minimum width is the window's news.
    if (watched == widget() && event->type() == QEvent::LayoutRequest)
        updateGeometry();
    return QScrollArea::eventFilter(watched, event);
}

} // namespace farmchat
