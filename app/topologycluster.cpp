// The cluster farm's part of the topology: the Redis box says how many
// shards serve. Pub/sub is sharded, so every node reaches every shard: while
// one is down, every node's link is broken for the rooms on that shard.
#include "app/topologyview.h"
#include "app/topologyview_p.h"

#include "app/farmrooms.h"
#include "app/farmworkspace.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"

#include <QPainter>

namespace farmchat {

QString TopologyView::clusterLabel() const
{
    const FarmSupervisor &farm = m_workspace.supervisor();
    const int shards = farm.cluster() ? farm.cluster()->shardCount() : 0;
    const int up = farm.shardsServing();
    return tr("Redis Cluster\n%1 %2/%3 shards")
        .arg(up == shards ? QStringLiteral("✓") : QStringLiteral("✕"))
        .arg(up)
        .arg(shards);
}

QStringList TopologyView::shardLines() const
{
    const FarmSupervisor &farm = m_workspace.supervisor();
    const RedisClusterGroup *cluster = farm.cluster();
    const FarmRooms &rooms = m_workspace.rooms();
    QStringList lines;
    for (int shard = 0; cluster && shard < cluster->shardCount(); ++shard) {
        const auto [first, last] = cluster->slotRange(shard);
        const FarmRooms::ShardTraffic traffic = rooms.onShard(shard);
        lines << tr("%1S%2 %3–%4 · %n msg", nullptr, traffic.sent)
                     .arg(farm.isShardServing(shard) ? QString() : QStringLiteral("✕ "))
                     .arg(shard + 1)
                     .arg(first)
                     .arg(last)
                + (traffic.rooms.isEmpty() ? QString() : QStringLiteral(": ") + traffic.rooms);
    }
    return lines;
}

QFont TopologyView::shardFont() const
{
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    return small;
}

void TopologyView::paintClusterBox(QPainter &p, const Frame &f, const QFont &bold) const
{
    const QStringList lines = shardLines();
    const QFontMetricsF smallFm(shardFont());
    QRectF title = f.redisBox;
    title.setBottom(f.redisBox.bottom() - smallFm.height() * lines.size() - f.em * 0.15);
    p.setFont(bold);
    p.drawText(title, Qt::AlignCenter, clusterLabel());
    p.setFont(shardFont());
    QRectF line(f.redisBox.left() + f.em * 0.3, title.bottom(), f.redisBox.width() - f.em * 0.6,
        smallFm.height());
    for (const QString &text : lines) {
        p.drawText(line, Qt::AlignLeft | Qt::AlignVCenter,
            smallFm.elidedText(text, Qt::ElideRight, line.width()));
        line.translate(0, smallFm.height());
    }
}

QString TopologyView::shardsDown() const
{
    const FarmSupervisor &farm = m_workspace.supervisor();
    QStringList names;
    for (int shard = 0; farm.cluster() && shard < farm.cluster()->shardCount(); ++shard) {
        if (farm.isShardServing(shard))
            continue;
        const ManagedProcess *process = farm.process(farm.processIndexOfShard(shard, false));
        names << (process ? process->name() : tr("shard %1").arg(shard + 1));
    }
    return names.join(QStringLiteral(", "));
}

} // namespace farmchat
