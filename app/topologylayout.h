#pragma once

#include <QList>
#include <QPointF>
#include <QRectF>
#include <QSizeF>

namespace farmchat {

// Where each part of the topology picture goes: the Redis box in the middle,
// the nodes in a column on each side of it (clockwise from the top right),
// each node's caption and then its ↑/↓ counts on one line on its outer side,
// and the ✕ that marks a broken link on the link, just clear of the node.
// With a load balancer in front, the panes' clients, HAProxy and under it
// Redis stand in a strip on the left, and the nodes in one or two columns
// right of it (so that no client line crosses Redis). With Sentinels the hub
// is the two servers side by side, the three Sentinels under them and the
// quorum caption under those. The sizes follow the font (em) and the room
// there is, so that no two parts overlap for 1 to 8 nodes at the sizes the
// Topology dock has in the default window. Plain geometry: TopologyView
// paints from it, and tests check it without a display.
struct TopologyLayout
{
    // What the layout needs to know of the picture.
    struct Input
    {
        QRectF area; // the view less its legend line
        int nodes = 0;
        double em = 0; // the font's line height
        QSizeF hub; // the Redis box
        double captionWidth = 0; // the widest caption to make room for
        double countsWidth = 0; // the widest ↑/↓ counts to make room for
        // A load balancer in front: its strip on the left holds the clients,
        // HAProxy and Redis.
        bool balancer = false;
        // Sentinels: the hub is the servers, the Sentinels and the quorum
        // caption, which takes `quorumLines` lines wrapped at the hub's width
        // (kSentinelsWidth em).
        bool sentinels = false;
        int quorumLines = 1;
    };

    static constexpr double kSentinelsWidth = 7.9;

    QRectF hub; // Redis, or the whole Sentinel block
    double nodeRadius = 0;
    QList<QPointF> centres; // per node
    QList<QRectF> captions; // per node: its mode or state, beside it
    QList<QRectF> counters; // per node: ↑ to Redis, ↓ from Redis, after the caption
    QList<QRectF> crosses; // per node: the ✕ of a broken link, on the link
    // Per node: where its link meets the hub (behind a balancer, spread down
    // Redis' right edge, so that the links, and their ✕ marks, stay apart).
    QList<QPointF> ends;
    QRectF front; // with a balancer: the strip of clients, HAProxy and Redis
    QRectF balancer; // with a balancer: the HAProxy box
    QList<QRectF> servers; // with Sentinels: the two Redis servers
    QList<QRectF> sentinels; // with Sentinels: the three Sentinels
    QRectF quorum; // with Sentinels: the quorum caption (one or two lines)

    // The square a node's circle is drawn in.
    QRectF nodeBox(int node) const;
    // Every part with a name ("node 2", "counts 3", "Redis", "HAProxy",
    // "server 1", "Sentinel 2", "quorum"), for checks.
    QList<std::pair<QString, QRectF>> parts() const;

    // `primary`: the Sentinel server the nodes' links go to (0 or 1).
    static TopologyLayout compute(const Input &in, int primary = 0);
    // Where node links end: the Redis box's centre, or the primary's.
    QPointF linkEnd(int primary = 0) const;

private:
    void placeSentinels(const Input &in);
    void placeNode(const Input &in, QPointF c, bool onRight, QPointF end);
};

} // namespace farmchat
