#pragma once

#include "app/topologylayout.h"
#include "app/topologyview.h"

#include <QPalette>
#include <QRectF>

namespace farmchat {

// What every part of one frame is drawn against.
struct TopologyView::Frame
{
    QRectF area;
    QPalette pal;
    bool dark = false;
    double em = 0;
    QPointF redisCentre;
    QRectF redisBox;
    TopologyLayout layout; // where the nodes, their words and the ✕ marks go
};

} // namespace farmchat
