#pragma once

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
    double nodeRadius = 0;
    QRectF front; // with a load balancer: its clients and HAProxy, left of the ring
};

} // namespace farmchat
