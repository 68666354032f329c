// The cluster farm's part of the topology: the Redis box says how many
// shards serve, and a node's link breaks when the server it is linked to
// (its shard's primary, as the launcher started it) is down.
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

bool TopologyView::nodeShardUp(int index, QString *server) const
{
    const FarmSupervisor &farm = m_workspace.supervisor();
    if (!farm.cluster())
        return true;
    const int process = farm.processIndexOfShard(farm.nodeShard(index), false);
    if (server && farm.process(process))
        *server = farm.process(process)->name();
    return farm.isProcessServing(process);
}

} // namespace farmchat
