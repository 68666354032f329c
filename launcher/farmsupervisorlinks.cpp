// FarmSupervisor's link faults (--link-faults): the proxies on the nodes'
// Redis links and the balancer's links to the nodes, and the calls that
// change their faults.

#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"
#include "redis/redisurl.h"

namespace farmchat {

bool FarmSupervisor::openRedisLinks()
{
    if (!m_config.linkFaults)
        return true;
    const Result<RedisUrl> target = RedisUrl::parse(m_redisUrl);
    if (!target || target->isUnix()) {
        failStart(QStringLiteral("link faults need Redis over TCP"));
        return false;
    }
    if (!m_links) {
        m_links = std::make_unique<FarmLinks>();
        connect(m_links.get(), &FarmLinks::faultChanged, this, &FarmSupervisor::linkFaultChanged);
    }
    for (int i = 0; i < nodeCount(); ++i) {
        const Result<quint16> opened
            = m_links->open(i, NodeLink::Redis, target->host, target->port);
        if (!opened) {
            failStart(opened.error());
            return false;
        }
    }
    return true;
}

QList<quint16> FarmSupervisor::openBalancerLinks()
{
    QList<quint16> serverPorts;
    if (!m_links)
        return serverPorts;
    for (int i = 0; i < nodeCount(); ++i) {
        const Result<quint16> opened = m_links->open(
            i, NodeLink::Balancer, QStringLiteral("127.0.0.1"), m_ports[qsizetype(i)]);
        if (!opened) {
            // HAProxy then reaches every node directly: a farm without
            // balancer-link faults, and the user is told why.
            Q_EMIT error(opened.error());
            return {};
        }
        serverPorts << opened.value();
    }
    return serverPorts;
}

QString FarmSupervisor::nodeRedisUrl(int index) const
{
    if (m_cluster && m_redis) {
        return shardServer(nodeShard(index), 0)->url();
    }
    const quint16 proxyPort = m_links ? m_links->port(index, NodeLink::Redis) : 0;
    if (proxyPort == 0)
        return m_redisUrl;
    Result<RedisUrl> url = RedisUrl::parse(m_redisUrl);
    if (!url)
        return m_redisUrl;
    url->host = QStringLiteral("127.0.0.1");
    url->port = proxyPort;
    return url->toString();
}

Result<void> FarmSupervisor::checkLink(int index, NodeLink link) const
{
    if (!m_links)
        return Result<void>::failure(
            QStringLiteral("the farm runs without link faults (start it with --link-faults)"));
    if (index < 0 || index >= nodeCount())
        return Result<void>::failure(
            QStringLiteral("node %1 is not in the farm (it has %2)").arg(index).arg(nodeCount()));
    if (!m_links->has(index, link))
        return Result<void>::failure(link == NodeLink::Balancer && !m_lb
                ? QStringLiteral("%1 has no balancer link (the farm has no load balancer)")
                      .arg(m_nodes[size_t(index)]->name())
                : QStringLiteral("%1 has no %2 link")
                      .arg(m_nodes[size_t(index)]->name(), nodeLinkName(link)));
    return {};
}

Result<void> FarmSupervisor::setLinkFault(int index, NodeLink link, const LinkFault &fault)
{
    if (const Result<void> checked = checkLink(index, link); !checked)
        return checked;
    return m_links->setFault(index, link, fault);
}

Result<void> FarmSupervisor::resetLink(int index, NodeLink link)
{
    if (const Result<void> checked = checkLink(index, link); !checked)
        return checked;
    return m_links->reset(index, link);
}

} // namespace farmchat
