#include "launcher/farmconfig.h"

namespace farmchat {

QString FarmConfig::validate() const
{
    if (nodes < 1 || nodes > kMaxNodes)
        return QStringLiteral("a farm has 1 to %1 nodes, not %2").arg(kMaxNodes).arg(nodes);
    if (!ports.isEmpty()) {
        if (ports.size() != nodes)
            return QStringLiteral("%1 ports given for %2 nodes").arg(ports.size()).arg(nodes);
        for (qsizetype i = 0; i < ports.size(); ++i) {
            if (ports[i] == 0)
                return QStringLiteral("port 0 cannot be given in a port list (use base port auto)");
            if (ports.indexOf(ports[i]) != i)
                return QStringLiteral("port %1 is given twice").arg(ports[i]);
        }
    } else if (basePort != 0 && int(basePort) + nodes - 1 > 65535) {
        return QStringLiteral("base port %1 leaves no room for %2 nodes").arg(basePort).arg(nodes);
    }
    if (!redisServer.isEmpty() && !redisUrl.isEmpty())
        return QStringLiteral(
            "give either a redis-server to start or a Redis URL to use, not both");
    if (loadBalancer != LbPolicy::None && lbPort != 0 && requestedPorts().contains(lbPort))
        return QStringLiteral("the load balancer's port %1 is also a node's port").arg(lbPort);
    if (healthTimeoutMs <= 0 || redisTimeoutMs <= 0 || stopGraceMs <= 0 || pollIntervalMs <= 0)
        return QStringLiteral("timeouts must be positive");
    return {};
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
