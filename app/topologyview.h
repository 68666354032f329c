#pragma once

#include "app/topologyflow.h"
#include "app/topologylayout.h"
#include "core/result.h"
#include "launcher/farmlinks.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class QPainter;

namespace farmchat {

class FarmWorkspace;

// The Topology dock: the nodes around a Redis box, each message drawn
// travelling its path (node → Redis → the other nodes, or a pulse on its own
// node when it stayed local), and links drawn broken (dashed orange ✕) when
// Redis is down, a node is down, or a node's backplane is off. With a load
// balancer the panes' clients and HAProxy stand in front (on the left): a
// line from each client to the node it landed on, and under each node its
// sessions and state as HAProxy's runtime API reports them (read by
// HaproxyInstance over its unix socket, asynchronously). With Sentinels the
// Redis box becomes the two servers, labelled with the role the Sentinels
// give each now (the labels swap after a failover, and the nodes' links move
// to the new primary), and the three Sentinels under them, with the quorum
// said in words when it is lost. The motion
// lives in TopologyFlow (capped, coalesced); the frame timer runs only while
// something moves.
class TopologyView : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kFrameMs = 16;

    explicit TopologyView(FarmWorkspace &workspace, QWidget *parent = nullptr);

    const TopologyFlow &flow() const { return m_flow; }
    bool isAnimating() const { return m_frameTimer.isActive(); }
    // Ok when the link between node `index` and Redis carries messages; else
    // why it is drawn broken.
    Result<void> checkLink(int index) const;
    // Cluster farms: the Redis box's label, "Redis Cluster\n✓ 3/3 shards".
    QString clusterLabel() const;
    // One line per shard under the cluster's label: its slots, the messages
    // sent to its rooms and those rooms with their counts, "✕" while its
    // primary is down: "S1 0–5460 · 4 msg: lobby 3, dev 1".
    QStringList shardLines() const;
    // The faults on node `index`'s link (healthy without link proxies).
    LinkFault linkFault(int index, NodeLink link = NodeLink::Redis) const;
    // The fault on node `index`'s Redis link as its tooltip says it
    // ("50±10 ms"; a partition is drawn as a broken link instead), or "".
    QString linkFaultCaption(int index) const;
    // With a load balancer: the node each pane's client line goes to (-1:
    // not connected, or no balancer), by pane index.
    QList<int> clientNodes() const;
    // With a load balancer: what is drawn under node `index` from HAProxy's
    // "show stat" ("2 sessions · UP"); empty without one.
    QString balancerCaption(int index) const;
    // With Sentinels: the role the Sentinels give server `server` (0: the
    // one started as primary, 1: its replica), as drawn: "primary",
    // "replica", or "" while unknown.
    QString serverRole(int server) const;
    // With Sentinels: what is drawn under them ("quorum ok", "✕ no quorum…").
    QString sentinelCaption() const;

    // What is drawn instead of a farm: before the first launch, and after a
    // stop (the stopped farm's links are not failures to show); "" while a farm is drawn.
    QString placeholderText() const;

    // What stands in the middle of the picture.
    enum class Shape { Single, Balancer, Sentinels };
    // The picture's layout for `nodes` nodes in a view of `size` around
    // `shape`, with room for the longest caption and counts up to 999 (what
    // tests check).
    TopologyLayout layoutFor(int nodes, const QSizeF &size, Shape shape = Shape::Single) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    // A caption cut short (a node's, the quorum's) shows all of it on hover.
    bool event(QEvent *event) override;

private:
    struct Frame;
    // The layout's input for the view's `area`: the font's sizes and `shape`'s hub.
    TopologyLayout::Input inputFor(const QRectF &area, int nodes, Shape shape) const;
    // Everything one frame is drawn against, for the farm as it is now.
    Frame frame() const;
    void paintLinks(QPainter &p, const Frame &f) const;
    void paintCounts(QPainter &p, const Frame &f) const; // ↑/↓ beside each node
    // `text` in `at` beside `node`, elided, on the background (over passing links).
    void drawOverLinks(
        QPainter &p, const Frame &f, int node, const QRectF &at, const QString &text) const;
    void paintRedis(QPainter &p, const Frame &f) const;
    // The cluster's box: its label in `bold`, then shardLines() in shardFont().
    void paintClusterBox(QPainter &p, const Frame &f, const QFont &bold) const;
    QFont shardFont() const;
    void paintLegend(QPainter &p, const Frame &f) const;
    void paintNodes(QPainter &p, const Frame &f) const;
    void paintTokens(QPainter &p, const Frame &f) const;
    void paintBalancer(QPainter &p, const Frame &f) const;
    // Sentinel farm: both servers with their live roles, the three Sentinels.
    void paintSentinels(QPainter &p, const Frame &f) const;
    void paintServer(QPainter &p, const Frame &f, int server) const;
    bool serverUp(int server) const; // healthy and not paused
    // "✓ :6379", "⏸ paused :6379" or "✕ crashed": what a server's box says under its role.
    QString serverState(int server) const;
    void tick();
    // "↑3 ↓5" on node `index`'s link, "" before anything crossed it.
    QString linkCounts(int index) const;
    // Beside node `index`: its mode, or its state when it is not healthy.
    QString nodeCaption(int index) const;
    // Text beside a node reads away from the Redis box.
    static Qt::Alignment outwards(const QPointF &node, const Frame &f);
    bool redisUp() const;
    // Cluster farms: the servers of the shards that do not serve now
    // ("redis-shard-2, …"); empty while all do.
    QString shardsDown() const;

    FarmWorkspace &m_workspace;
    TopologyFlow m_flow;
    QTimer m_frameTimer;
    QElapsedTimer m_clock;
};

} // namespace farmchat
