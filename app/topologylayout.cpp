#include "app/topologylayout.h"

#include <QString>

#include <algorithm>
#include <cmath>

namespace farmchat {

QRectF TopologyLayout::nodeBox(int node) const
{
    const QPointF c = centres.value(node);
    return {c.x() - nodeRadius, c.y() - nodeRadius, 2 * nodeRadius, 2 * nodeRadius};
}

QList<std::pair<QString, QRectF>> TopologyLayout::parts() const
{
    QList<std::pair<QString, QRectF>> all {{QStringLiteral("Redis"), hub}};
    for (int i = 0; i < centres.size(); ++i) {
        const QString n = QString::number(i + 1);
        all.append({QStringLiteral("node ") + n, nodeBox(i)});
        all.append({QStringLiteral("caption ") + n, captions.at(i)});
        all.append({QStringLiteral("counts ") + n, counters.at(i)});
        all.append({QStringLiteral("cross ") + n, crosses.at(i)});
    }
    return all;
}

TopologyLayout TopologyLayout::compute(const Input &in, QPointF linkEnd)
{
    TopologyLayout out;
    const double em = in.em;
    const double gap = em * 0.3;
    const QRectF &area = in.area;
    const QPointF hubCentre = in.oneSide
        ? QPointF(area.left() + gap + in.hub.width() / 2, area.center().y())
        : area.center();
    out.hub = QRectF(hubCentre - QPointF(in.hub.width() / 2, in.hub.height() / 2), in.hub);
    if (linkEnd.isNull())
        linkEnd = out.hub.center();
    // Clockwise from the top right: the right column top down, the left one bottom up.
    const int right = in.oneSide ? in.nodes : (in.nodes + 1) / 2;
    const int left = in.nodes - right;
    const int rows = qMax(1, right);
    // A row holds the circle and its one line of words, with a little air.
    const double row = std::clamp(area.height() / rows, em * 1.6, em * 3.6);
    // Half the width holds half the hub, the ✕ beside it, the circle and its words.
    const double words = gap + in.captionWidth + gap + in.countsWidth;
    // (One side: the whole width right of the hub.)
    const double half = in.oneSide ? area.right() - out.hub.center().x() : area.width() / 2;
    const double across = half - in.hub.width() / 2 - 2 * gap - em - words;
    out.nodeRadius = std::clamp(qMin((row - em * 0.4) / 2, across / 2), em * 0.6, em * 1.4);
    const double r = out.nodeRadius;
    // From the hub's centre to a column: the words beside the circle decide,
    // within what keeps the circle and the ✕ on its link clear of the hub.
    const double nearest = in.hub.width() / 2 + gap + em + gap + r;
    const double room = half - r - words - gap;
    const double reach = std::clamp(room, nearest, qMax(nearest, em * 10));
    for (int i = 0; i < in.nodes; ++i) {
        const bool onRight = i < right;
        const int slot = onRight ? i : in.nodes - 1 - i; // top down within the column
        const int inColumn = onRight ? right : left;
        const double y = area.center().y() + (slot - (inColumn - 1) / 2.0) * row;
        const QPointF c(out.hub.center().x() + (onRight ? reach : -reach), y);
        out.centres << c;
        // The caption, then the counts, outwards from the circle.
        const double side = onRight ? 1 : -1;
        const double captionStart = c.x() + side * (r + gap);
        const double countsStart = captionStart + side * (in.captionWidth + gap);
        const auto span = [&](double from, double width) {
            return onRight ? QRectF(from, y - em / 2, width, em)
                           : QRectF(from - width, y - em / 2, width, em);
        };
        out.captions << span(captionStart, in.captionWidth);
        out.counters << span(countsStart, in.countsWidth);
        // On the link, just clear of the circle's square (so the rows'
        // crosses stay apart too: the links spread out towards the nodes).
        const QPointF towards = linkEnd - c;
        const double length = std::hypot(towards.x(), towards.y());
        const double along = std::abs(towards.x()) > 0
            ? (r + gap + em / 2) * length / std::abs(towards.x())
            : r + gap + em / 2;
        const QPointF mark = length > 0 ? c + towards * (along / length) : c;
        out.crosses << QRectF(mark - QPointF(em / 2, em / 2), QSizeF(em, em));
    }
    return out;
}

} // namespace farmchat
