// TopologyView's links between the nodes and Redis: drawn whole, broken, or
// carrying a link fault (--link-faults), with what that fault is.

#include "app/topologyview.h"
#include "app/topologyview_p.h"

#include "app/farmworkspace.h"
#include "app/nodepalette_p.h"

#include <QPainter>

namespace farmchat {

LinkFault TopologyView::linkFault(int index, NodeLink link) const
{
    const FarmLinks *links = m_workspace.supervisor().links();
    return links ? links->fault(index, link) : LinkFault {};
}

QString TopologyView::linkFaultCaption(int index) const
{
    const LinkFault fault = linkFault(index);
    // A partition is drawn as a broken link (checkLink() says why).
    LinkFault shown = fault;
    shown.partitioned = false;
    return shown.isHealthy() ? QString() : shown.summary();
}

// Links; broken ones dashed orange (nodepalette::bad) with a ✕, faulted
// ones (latency, a bandwidth cap) dotted in the warning colour. The fault's
// words are in the node's tooltip and the Links popup: beside the node they
// would cost the circles their room in a small view.
void TopologyView::paintLinks(QPainter &p, const Frame &f) const
{
    const double em = f.em;
    p.setFont(font());
    for (int i = 0; i < f.layout.centres.size(); ++i) {
        const QPointF c = f.layout.centres.at(i);
        const bool broken = !checkLink(i);
        QPen pen(broken ? nodepalette::bad(f.dark) : f.pal.color(QPalette::Mid), em / 8);
        if (broken)
            pen.setStyle(Qt::DashLine);
        const QString fault = linkFaultCaption(i);
        if (!broken && !fault.isEmpty()) {
            pen.setColor(nodepalette::warn(f.dark));
            pen.setStyle(Qt::DotLine);
        }
        p.setPen(pen);
        p.drawLine(c, f.layout.ends.at(i));
        if (broken) {
            const QRectF &mark = f.layout.crosses.at(i);
            p.setPen(nodepalette::bad(f.dark));
            p.fillRect(mark, f.pal.base());
            p.drawText(mark, Qt::AlignCenter, QStringLiteral("✕"));
        }
    }
}

} // namespace farmchat
