// The cluster farm's part of the topology: the Redis box says how many
// shards serve. Pub/sub is sharded, so every node reaches every shard: while
// one is down, every node's link is broken for the rooms on that shard.
#include "app/topologyview.h"

#include "app/farmworkspace.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"

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
