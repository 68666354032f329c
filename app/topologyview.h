#pragma once

#include "app/topologyflow.h"
#include "core/result.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class QPainter;

namespace farmchat {

class FarmWorkspace;

// The Topology dock: the nodes around a Redis box, each message drawn
// travelling its path (node → Redis → the other nodes, or a pulse on its own
// node when it stayed local), and links drawn broken (dashed red ✕) when
// Redis is down, a node is down, or a node's backplane is off. The motion
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

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    struct Frame;
    void paintLinks(QPainter &p, const Frame &f) const;
    void paintRedis(QPainter &p, const Frame &f) const;
    void paintLegend(QPainter &p, const Frame &f) const;
    void paintNodes(QPainter &p, const Frame &f) const;
    void paintTokens(QPainter &p, const Frame &f) const;
    void tick();
    QPointF nodeCentre(int index, const QRectF &area) const;
    bool redisUp() const;

    FarmWorkspace &m_workspace;
    TopologyFlow m_flow;
    QTimer m_frameTimer;
    QElapsedTimer m_clock;
};

} // namespace farmchat
