#pragma once

#include <QList>
#include <QScrollArea>
#include <QWidget>

class QGridLayout;
class QLabel;

namespace farmchat {

class ChatPane;
class FarmWorkspace;

// The chat panes, one per node, in a grid that reflows with the window
// width (as many columns as fit a readable pane, rows as needed). Before the
// farm runs it shows what to do first. Rebuilt when FarmWorkspace creates or
// clears its panes.
class PaneGrid : public QWidget
{
    Q_OBJECT
public:
    explicit PaneGrid(FarmWorkspace &workspace, QWidget *parent = nullptr);

    int paneCount() const { return int(m_panes.size()); }
    ChatPane *pane(int index) const { return m_panes.value(index); }
    int columns() const { return m_columns; }
    // Focus the input of the next (step 1) or previous (step -1) pane.
    void focusPane(int step);
    int focusedPane() const;
    void setIdleText(const QString &text);
    // What shows while there are no panes (the whole grid's room).
    QLabel *idleLabel() const { return m_idle; }

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void rebuild();
    void clear();
    void reflow(bool force);
    int columnsFor(int width) const;

    FarmWorkspace &m_workspace;
    QGridLayout *m_grid;
    QLabel *m_idle;
    QList<ChatPane *> m_panes; // children of this
    int m_columns = 0;
};

// The panes' scroll area: vertical only. It asks the window for the grid's
// minimum width (the docks give up width, as they would for the grid
// itself), so panes never scroll sideways; eight panes that need more height
// than there is scroll instead of pushing the docks off the window.
class PaneScrollArea : public QScrollArea
{
    Q_OBJECT
public:
    explicit PaneScrollArea(PaneGrid *grid, QWidget *parent = nullptr);
    QSize minimumSizeHint() const override;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
};

} // namespace farmchat
