#pragma once

#include <QList>
#include <QPointF>
#include <QRectF>
#include <QSizeF>

namespace farmchat {

// Where each part of the topology picture goes: the Redis box in the middle,
// the nodes in a column on each side of it (clockwise from the top right;
// with a load balancer in front, Redis on the left and one column of nodes),
// each node's caption and then its ↑/↓ counts on one line on its outer side,
// and the ✕ that marks a broken link on the link, just clear of the node. The sizes follow the font
// (em) and the room there is, so that no two parts overlap for 1 to 8 nodes at the sizes the
// Topology dock has in the default window. Plain geometry: TopologyView paints from it, and tests
// check it without a display.
struct TopologyLayout
{
    // What the layout needs to know of the picture.
    struct Input
    {
        QRectF area; // the view less its legend line (and a load balancer's front)
        int nodes = 0;
        double em = 0; // the font's line height
        QSizeF hub; // the Redis box (or a Sentinel farm's servers and Sentinels)
        double captionWidth = 0; // the widest caption to make room for
        double countsWidth = 0; // the widest ↑/↓ counts to make room for
        // Every node in the right column, the hub at the left of the area
        // (with a load balancer in front, whose lines come from the left).
        bool oneSide = false;
    };

    QRectF hub;
    double nodeRadius = 0;
    QList<QPointF> centres; // per node
    QList<QRectF> captions; // per node: its mode or state, beside it
    QList<QRectF> counters; // per node: ↑ to Redis, ↓ from Redis, after the caption
    QList<QRectF> crosses; // per node: the ✕ of a broken link, on the link

    // The square a node's circle is drawn in.
    QRectF nodeBox(int node) const;
    // Every part with a name ("node 2", "counts 3", "Redis"), for checks.
    QList<std::pair<QString, QRectF>> parts() const;

    // `linkEnd`: where the nodes' links meet (the Redis box's centre, or a
    // Sentinel farm's primary); the null point means the hub's centre.
    static TopologyLayout compute(const Input &in, QPointF linkEnd = {});
};

} // namespace farmchat
