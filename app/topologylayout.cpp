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
    QList<std::pair<QString, QRectF>> all;
    if (servers.isEmpty()) {
        all.append({QStringLiteral("Redis"), hub});
    } else {
        for (int i = 0; i < servers.size(); ++i)
            all.append({QStringLiteral("server %1").arg(i + 1), servers.at(i)});
        for (int i = 0; i < sentinels.size(); ++i)
            all.append({QStringLiteral("Sentinel %1").arg(i + 1), sentinels.at(i)});
        all.append({QStringLiteral("quorum"), quorum});
    }
    if (!balancer.isEmpty())
        all.append({QStringLiteral("HAProxy"), balancer});
    for (int i = 0; i < centres.size(); ++i) {
        const QString n = QString::number(i + 1);
        all.append({QStringLiteral("node ") + n, nodeBox(i)});
        all.append({QStringLiteral("caption ") + n, captions.at(i)});
        all.append({QStringLiteral("counts ") + n, counters.at(i)});
        all.append({QStringLiteral("cross ") + n, crosses.at(i)});
    }
    return all;
}

QPointF TopologyLayout::linkEnd(int primary) const
{
    if (!servers.isEmpty())
        return servers.value(qBound(0, primary, 1)).center();
    // Behind a balancer the links come from the right, under HAProxy's lines.
    return balancer.isEmpty() ? hub.center() : QPointF(hub.right(), hub.center().y());
}

// The servers side by side at the top of the hub, the Sentinels under them,
// the quorum caption under those, on the lines compute() gave it (the view
// elides what is still cut).
void TopologyLayout::placeSentinels(const Input &in)
{
    const double em = in.em;
    const QSizeF server(em * 3.8, em * 2.4);
    const QSizeF sentinel(em * 2.5, em * 1.3);
    const double top = hub.top();
    servers << QRectF(QPointF(hub.left(), top), server)
            << QRectF(QPointF(hub.right() - server.width(), top), server);
    const double y = top + server.height() + em * 0.4;
    for (int i = 0; i < 3; ++i) {
        const double x = hub.center().x() + (i - 1) * (sentinel.width() + em * 0.2);
        sentinels << QRectF(QPointF(x - sentinel.width() / 2, y), sentinel);
    }
    const double below = y + sentinel.height() + em * 0.1;
    quorum = QRectF(hub.left(), below, hub.width(), hub.bottom() - below);
}

void TopologyLayout::placeNode(const Input &in, QPointF c, bool onRight, QPointF end)
{
    const double em = in.em;
    const double gap = em * 0.3;
    const double r = nodeRadius;
    const double y = c.y();
    centres << c;
    ends << end;
    // The caption, then the counts, outwards from the circle.
    const double side = onRight ? 1 : -1;
    const double captionStart = c.x() + side * (r + gap);
    const double countsStart = captionStart + side * (in.captionWidth + gap);
    const auto span = [&](double from, double width) {
        return onRight ? QRectF(from, y - em / 2, width, em)
                       : QRectF(from - width, y - em / 2, width, em);
    };
    captions << span(captionStart, in.captionWidth);
    counters << span(countsStart, in.countsWidth);
    // On the link, just clear of the circle's square (so the rows'
    // crosses stay apart too: the links spread out towards the nodes).
    const QPointF towards = end - c;
    const double length = std::hypot(towards.x(), towards.y());
    const double along = std::abs(towards.x()) > 0
        ? (r + gap + em / 2) * length / std::abs(towards.x())
        : r + gap + em / 2;
    const QPointF mark = length > 0 ? c + towards * (along / length) : c;
    crosses << QRectF(mark - QPointF(em / 2, em / 2), QSizeF(em, em));
}

namespace {

// With a balancer: HAProxy and Redis one above the other in the strip.
void placeFront(TopologyLayout &out, const TopologyLayout::Input &in)
{
    const double em = in.em;
    const QRectF &area = in.area;
    out.front = QRectF(area.left(), area.top(), em * 9, area.height());
    const QSizeF box(em * 6.1, qMin(em * 3.6, area.height() - in.hub.height() - em * 0.6));
    const double stack = box.height() + em * 0.4 + in.hub.height();
    const double top = area.center().y() - stack / 2;
    const double left = out.front.left() + em * 2.6;
    out.balancer = QRectF(QPointF(left, top), box);
    // Flush with HAProxy's right edge: the links to its right-hand end pass under HAProxy.
    out.hub = QRectF(
        QPointF(out.balancer.right() - in.hub.width(), out.balancer.bottom() + em * 0.4), in.hub);
}

} // namespace

TopologyLayout TopologyLayout::compute(const Input &given, int primary)
{
    TopologyLayout out;
    Input in = given;
    const double em = in.em;
    if (in.sentinels) {
        // The quorum caption under the Sentinels: on as many lines as it
        // needs, as far as the height goes.
        const int lines = std::clamp(in.quorumLines, 1, qMax(1, int(in.area.height() / em - 4.2)));
        in.hub = QSizeF(em * kSentinelsWidth, em * (4.2 + lines));
    }
    const double gap = em * 0.3;
    const QRectF &area = in.area;
    const double minRow = em * 1.6;
    // Beside a node: its caption and counts.
    const double words = gap + in.captionWidth + gap + in.countsWidth;
    if (in.balancer) {
        placeFront(out, in);
        const QRectF nodesArea(
            out.front.right(), area.top(), area.right() - out.front.right(), area.height());
        // One column while its rows have their height, else two.
        const int columns = in.nodes * em * 2.2 > nodesArea.height() ? 2 : 1;
        const int rows = qMax(1, (in.nodes + columns - 1) / columns);
        const double row = std::clamp(nodesArea.height() / rows, minRow, em * 3.6);
        const double pitch = nodesArea.width() / columns;
        // A long caption (a balancer's sessions and state) is cut to what the column holds.
        in.captionWidth = qMax(0.0,
            qMin(
                in.captionWidth, pitch - 4 * gap - em - 2 * em * 0.6 - gap - in.countsWidth - gap));
        const double columnWords = gap + in.captionWidth + gap + in.countsWidth;
        out.nodeRadius
            = std::clamp(qMin((row - em * 0.4) / 2, (pitch - 3 * gap - em - columnWords) / 2),
                em * 0.6, em * 1.4);
        const double r = out.nodeRadius;
        const QPointF end = out.linkEnd();
        const double spread = out.hub.height() * 0.7;
        for (int i = 0; i < in.nodes; ++i) {
            const int column = i / rows;
            const int inColumn = column + 1 < columns ? rows : in.nodes - rows * column;
            const int slot = i % rows;
            const double x = nodesArea.left() + column * pitch + 2 * gap + em + r;
            const double y = area.center().y() + (slot - (inColumn - 1) / 2.0) * row;
            // The higher the node, the higher its link meets Redis.
            const double share = (y - area.center().y()) / area.height();
            out.placeNode(in, QPointF(x, y), true, end + QPointF(0, share * spread));
        }
        return out;
    }
    out.hub = QRectF(area.center() - QPointF(in.hub.width() / 2, in.hub.height() / 2), in.hub);
    if (in.sentinels)
        out.placeSentinels(in);
    const QPointF end = out.linkEnd(primary);
    // Clockwise from the top right: the right column top down, the left one bottom up.
    const int right = (in.nodes + 1) / 2;
    const int left = in.nodes - right;
    const int rows = qMax(1, right);
    // A row holds the circle and its one line of words, with a little air.
    const double row = std::clamp(area.height() / rows, minRow, em * 3.6);
    // Half the width holds half the hub, the ✕ beside it, the circle and its words.
    const double half = area.width() / 2;
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
        out.placeNode(
            in, QPointF(out.hub.center().x() + (onRight ? reach : -reach), y), onRight, end);
    }
    return out;
}

} // namespace farmchat
