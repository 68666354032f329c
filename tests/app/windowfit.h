#pragma once

#include "app/chatpane.h"
#include "app/controlspanel.h"
#include "app/mainwindow.h"
#include "app/panegrid.h"

#include <QApplication>
#include <QLabel>
#include <QList>
#include <QString>
#include <QWidget>

namespace farmchat::test {

// What the GUI tests check of a window at the size a small screen gives it
// (1280×720): every control of the Faults dock in view, and no pane note cut.

// The first of `wanted` that is missing, hidden, outside the Faults dock's
// view (or the dock outside the window) or narrower than its label; "" when
// every one is in view.
inline QString controlOutOfView(MainWindow &window, const QList<QWidget *> &wanted)
{
    window.fitControlsDock();
    QApplication::processEvents();
    QWidget *viewport = window.controls()->parentWidget();
    if (!viewport)
        return QStringLiteral("the Faults dock has no viewport");
    const QRect dock(viewport->mapTo(&window, QPoint(0, 0)), viewport->size());
    if (!window.rect().contains(dock))
        return QStringLiteral("the Faults dock at %1,%2 %3x%4 is outside the %5x%6 window")
            .arg(dock.x())
            .arg(dock.y())
            .arg(dock.width())
            .arg(dock.height())
            .arg(window.width())
            .arg(window.height());
    for (QWidget *w : wanted) {
        if (!w)
            return QStringLiteral("a control is missing");
        const QString name = QString::fromLatin1(w->metaObject()->className());
        if (!w->isVisible())
            return name + QStringLiteral(" is hidden");
        const QRect at(w->mapTo(viewport, QPoint(0, 0)), w->size());
        if (!viewport->rect().contains(at))
            return QStringLiteral("%1 at %2,%3 %4x%5 outside the dock's %6x%7")
                .arg(name)
                .arg(at.x())
                .arg(at.y())
                .arg(at.width())
                .arg(at.height())
                .arg(viewport->width())
                .arg(viewport->height());
        // Wide enough for its whole label ("Re" for "Restart" would not do).
        if (w->width() < w->minimumSizeHint().width())
            return QStringLiteral("%1 is %2 px wide, its label needs %3")
                .arg(name)
                .arg(w->width())
                .arg(w->minimumSizeHint().width());
    }
    return {};
}

// What of the panes is cut: the grid wider than its view (panes scroll
// only downwards), or a note less high than its wrapped lines need; "" when
// nothing is.
inline QString paneCut(MainWindow &window)
{
    QApplication::processEvents();
    PaneGrid *grid = window.paneGrid();
    if (const QWidget *view = grid->parentWidget(); view && grid->width() > view->width())
        return QStringLiteral("the panes are %1 px wide in a view of %2")
            .arg(grid->width())
            .arg(view->width());
    for (int i = 0; i < grid->paneCount(); ++i) {
        ChatPane *pane = grid->pane(i);
        for (QLabel *note : pane->findChildren<QLabel *>()) {
            if (!note->isVisible() || !note->wordWrap())
                continue;
            const int needed = note->heightForWidth(note->width());
            if (note->height() < needed)
                return QStringLiteral("pane %1's note is %2 px high, its text needs %3: %4")
                    .arg(i + 1)
                    .arg(note->height())
                    .arg(needed)
                    .arg(note->text());
        }
    }
    return {};
}

} // namespace farmchat::test
