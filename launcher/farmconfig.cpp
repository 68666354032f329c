#include "launcher/farmconfig.h"

namespace farmchat {

Result<void> FarmConfig::validate() const
{
    using Outcome = Result<void>;
    if (nodes < 1 || nodes > kMaxNodes)
        return Outcome::failure(
            QStringLiteral("a farm has 1 to %1 nodes, not %2").arg(kMaxNodes).arg(nodes));
    if (!ports.isEmpty()) {
        if (ports.size() != nodes)
            return Outcome::failure(
                QStringLiteral("%1 ports given for %2 nodes").arg(ports.size()).arg(nodes));
        for (qsizetype i = 0; i < ports.size(); ++i) {
            if (ports[i] == 0)
                return Outcome::failure(
                    QStringLiteral("port 0 cannot be given in a port list (use base port auto)"));
            if (ports.indexOf(ports[i]) != i)
                return Outcome::failure(QStringLiteral("port %1 is given twice").arg(ports[i]));
        }
    } else if (basePort != 0 && int(basePort) + nodes - 1 > 65535) {
        return Outcome::failure(
            QStringLiteral("base port %1 leaves no room for %2 nodes").arg(basePort).arg(nodes));
    }
    if (!redisServer.isEmpty() && !redisUrl.isEmpty())
        return Outcome::failure(
            QStringLiteral("give either a redis-server to start or a Redis URL to use, not both"));
    if (loadBalancer != LbPolicy::None && lbPort != 0 && requestedPorts().contains(lbPort))
        return Outcome::failure(
            QStringLiteral("the load balancer's port %1 is also a node's port").arg(lbPort));
    if (const Result<void> supported = nodeKindSupports(nodeKind, backplane); !supported)
        return supported;
    if (nodeKind == NodeKind::AspNetCore && redisTopology == RedisTopology::Sentinel)
        return Outcome::failure(QStringLiteral(
            "ASP.NET Core nodes connect to one Redis, not through Sentinel: use --redis-topology "
            "single"));
    if (const Result<void> cluster = validateCluster(); !cluster)
        return cluster;
    if (linkFaults && redisTopology == RedisTopology::Sentinel)
        return Outcome::failure(QStringLiteral(
            "link faults need --redis-topology single: with Sentinel the nodes connect to "
            "whichever server the Sentinels name, past any proxy"));
    if (linkFaults && redisUrl.startsWith(QLatin1StringView("unix:")))
        return Outcome::failure(
            QStringLiteral("link faults need Redis over TCP, not a unix socket"));
    if (healthTimeoutMs <= 0 || redisTimeoutMs <= 0 || stopGraceMs <= 0 || pollIntervalMs <= 0)
        return Outcome::failure(QStringLiteral("timeouts must be positive"));
    return {};
}

Result<void> FarmConfig::validateCluster() const
{
    using Outcome = Result<void>;
    if (redisTopology != RedisTopology::Cluster)
        return {};
    if (redisShards < 3 || redisShards > 8)
        return Outcome::failure(
            QStringLiteral("a Redis Cluster has 3 to 8 shards, not %1").arg(redisShards));
    if (redisReplicas < 0 || redisReplicas > 1)
        return Outcome::failure(
            QStringLiteral("a shard has 0 or 1 replica, not %1").arg(redisReplicas));
    if (nodeKind == NodeKind::AspNetCore)
        return Outcome::failure(QStringLiteral(
            "ASP.NET Core nodes connect to one Redis here: use --redis-topology single"));
    if (linkFaults)
        return Outcome::failure(QStringLiteral(
            "link faults need --redis-topology single: in a cluster the nodes reach every shard, "
            "past any proxy"));
    return {};
}

Result<void> FarmConfig::supports(BackplaneMode mode) const
{
    return nodeKindSupports(nodeKind, mode);
}

QList<quint16> FarmConfig::requestedPorts() const
{
    if (!ports.isEmpty())
        return ports;
    QList<quint16> result;
    if (basePort == 0)
        return result;
    for (int i = 0; i < nodes; ++i)
        result << quint16(basePort + i);
    return result;
}

} // namespace farmchat
