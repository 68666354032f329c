#include "app/farmworkspace.h"

#include "app/appsettings.h"

namespace farmchat {

void FarmWorkspace::applySettings(const AppSettings &settings)
{
    setNodes(settings.nodes);
    setBasePort(settings.basePort);
    setNodeKind(settings.nodeKind);
    setMode(settings.backplane);
    setRedisMaxMemoryBytes(settings.redisMaxMemoryBytes);
    setLoadBalancer(settings.loadBalancer);
    setRedisTopology(settings.redisTopology);
    setSkipNegotiation(settings.skipNegotiation);
    for (int i = 0; i < AppSettings::kMaxNodes; ++i)
        setPaneName(i, settings.paneName(i));
}

void FarmWorkspace::storeSettings(AppSettings &settings) const
{
    settings.nodes = m_nodes;
    settings.basePort = m_basePort;
    settings.nodeKind = m_nodeKind;
    settings.backplane = m_mode;
    settings.loadBalancer = m_loadBalancer;
    settings.redisTopology = m_redisTopology;
    settings.skipNegotiation = m_skipNegotiation;
    for (int i = 0; i < AppSettings::kMaxNodes; ++i) {
        const QString name = m_paneNames.value(i); // the user's, not a scenario's
        settings.setPaneName(i, name == QStringLiteral("user-%1").arg(i + 1) ? QString() : name);
    }
}

FarmConfig FarmWorkspace::farmConfig() const
{
    FarmConfig config;
    config.nodes = m_nodes;
    config.basePort = m_basePort;
    config.nodeKind = m_nodeKind;
    config.backplane = m_mode;
    config.redisMaxMemoryBytes = m_redisMaxMemoryBytes;
    config.loadBalancer = m_loadBalancer;
    config.redisTopology = m_redisTopology;
    // The app is where faults are tried: every link a proxy can sit on gets
    // one (they run on a thread of their own, so the window's work adds no
    // delay). Sentinel farms reach Redis past any proxy, so they have none.
    config.linkFaults = m_redisTopology == RedisTopology::Single;
    return config;
}

} // namespace farmchat
