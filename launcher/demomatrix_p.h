#pragma once

#include "protocol/backplanemode.h"

#include <QJsonObject>
#include <QList>
#include <QString>

namespace farmchat {

class DeliveryTracker;

// Formats the demo's delivery matrix for one backplane mode: rows are the
// messages sent in that mode, columns the chat panes (one per node). As text
// for a person — ✓ / ✗ per cell, a "!" where a cell breaks what the mode
// promises, a legend and a verdict line — and as the JSON "matrix" event.
// Pure formatting over DeliveryTracker rows; FarmDemo prints it.
class DemoMatrix
{
public:
    // What the mode promises, in a few words ("messages stay on their node").
    static QString promise(BackplaneMode mode);
    // Every row matches the promise (and there is at least one row).
    static bool passed(const DeliveryTracker &tracker, const QList<int> &rows);
    static QString text(
        const DeliveryTracker &tracker, const QList<int> &rows, BackplaneMode mode, bool colour);
    static QJsonObject json(
        const DeliveryTracker &tracker, const QList<int> &rows, BackplaneMode mode);
};

} // namespace farmchat
