// TopologyView's links between the nodes and Redis: whether each carries
// (and if not, why), drawn whole, broken, or carrying a link fault
// (--link-faults), with what that fault is.

#include "app/topologyview.h"
#include "app/topologyview_p.h"

#include "app/farmworkspace.h"
#include "app/nodepalette_p.h"
#include "app/sentinelwatch.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"

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

bool TopologyView::redisUp() const
{
    if (const SentinelWatch &sentinels = m_workspace.sentinelWatch(); sentinels.isActive())
        return serverUp(sentinels.primaryServer());
    if (const RedisClusterGroup *cluster = m_workspace.supervisor().cluster())
        return m_workspace.supervisor().shardsServing() == cluster->shardCount();
    RedisInstance *redis = m_workspace.supervisor().redis();
    if (!redis)
        return m_workspace.supervisor().state() == FarmState::Running; // external Redis
    return redis->process()->state() == ProcessState::Healthy;
}

Result<void> TopologyView::checkLink(int index) const
{
    FarmSupervisor &farm = m_workspace.supervisor();
    FarmNode *node = farm.node(index);
    QString reason;
    if (!node)
        reason = tr("no such node");
    else if (node->process()->state() != ProcessState::Healthy)
        reason = tr("%1 is %2").arg(node->name(), processStateName(node->process()->state()));
    else if (farm.nodeBackplane(index) == BackplaneMode::Off)
        reason = m_workspace.isNodeBackplaneOff(index)
            ? tr("%1 has its backplane off").arg(node->name())
            : tr("the backplane is off");
    else if (const QString down = shardsDown(); !down.isEmpty())
        reason = tr("%1 down: %2's messages to the rooms on it reach only its own clients")
                     .arg(down, node->name());
    else if (!farm.cluster() && !redisUp())
        reason = tr("Redis is down");
    else if (linkFault(index).partitioned)
        reason = tr("%1's Redis link is partitioned").arg(node->name());
    else if (node->health().reachable && !node->health().redisConnected)
        reason = tr("%1 has lost Redis").arg(node->name());
    else if (node->health().reachable && node->health().redisFull)
        reason = tr("Redis is full: %1's messages are refused").arg(node->name());
    if (!reason.isEmpty())
        return Result<void>::failure(reason);
    return {};
}

} // namespace farmchat
