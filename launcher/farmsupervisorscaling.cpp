// FarmSupervisor's scaling of a running farm: a node added on the next free
// port (and behind the balancer once healthy, through HAProxy's runtime API),
// a node removed (its clients moved first, then out of the balancer, stopped,
// and dropped from the farm's numbering).

#include "launcher/crashrestarter_p.h"
#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "launcher/managedprocess.h"
#include "launcher/portprobe.h"
#include "launcher/redisinstance.h"
#include "redis/redisurl.h"

#include <QLoggingCategory>

#include <algorithm>

namespace farmchat {

Q_DECLARE_LOGGING_CATEGORY(lcLauncherFarm)

namespace {

// Ports tried after the farm's highest before giving up.
constexpr int kPortsTried = 200;

} // namespace

int FarmSupervisor::nodeIndexOf(const FarmNode *node) const
{
    for (size_t i = 0; i < m_nodes.size(); ++i) {
        if (m_nodes[i].get() == node)
            return int(i);
    }
    return -1;
}

Result<quint16> FarmSupervisor::nextNodePort() const
{
    if (m_state != FarmState::Running)
        return Result<quint16>::failure(QStringLiteral("nodes join a running farm; the farm is %1")
                                            .arg(farmStateName(m_state)));
    if (nodeCount() >= FarmConfig::kMaxNodes)
        return Result<quint16>::failure(
            QStringLiteral("the farm has %1 nodes, the most it runs").arg(nodeCount()));
    QList<quint16> taken = m_ports;
    taken << m_lbPort << (m_redis ? m_redis->port() : quint16(0));
    const int highest = *std::max_element(m_ports.cbegin(), m_ports.cend());
    for (int port = highest + 1; port <= 65535 && port <= highest + kPortsTried; ++port) {
        if (!taken.contains(quint16(port)) && PortProbe::check(quint16(port)))
            return quint16(port);
    }
    return Result<quint16>::failure(
        QStringLiteral("no free port in the %1 after %2").arg(kPortsTried).arg(highest));
}

Result<void> FarmSupervisor::openLinksOf(int index)
{
    if (!m_links)
        return {};
    const Result<RedisUrl> target = RedisUrl::parse(m_redisUrl);
    if (!target || target->isUnix())
        return Result<void>::failure(QStringLiteral("link faults need Redis over TCP"));
    if (const auto opened = m_links->open(index, NodeLink::Redis, target->host, target->port);
        !opened)
        return Result<void>::failure(opened.error());
    if (!m_lb)
        return {};
    const auto opened = m_links->open(
        index, NodeLink::Balancer, QStringLiteral("127.0.0.1"), m_ports[qsizetype(index)]);
    return opened ? Result<void>() : Result<void>::failure(opened.error());
}

void FarmSupervisor::addNode()
{
    const Result<quint16> port = nextNodePort();
    if (!port) {
        Q_EMIT nodeAddFinished(-1, Result<void>::failure(port.error()));
        return;
    }
    m_ports << port.value();
    createNode(port.value());
    const int index = nodeCount() - 1;
    FarmNode *node = m_nodes.back().get();
    m_config.nodes = nodeCount();
    if (const Result<void> linked = openLinksOf(index); !linked) {
        // Not started: it leaves at once, and the user reads why.
        dropNode(node);
        Q_EMIT nodeAddFinished(-1, linked);
        return;
    }
    qCInfo(lcLauncherFarm, "adding %s", qPrintable(node->name()));
    m_joining.insert(node);
    prepareNode(index);
    node->process()->start();
}

void FarmSupervisor::joinBalancer(FarmNode *node)
{
    m_joining.erase(node);
    const int index = nodeIndexOf(node);
    if (!m_lb) {
        Q_EMIT nodeAddFinished(index, {});
        return;
    }
    const quint16 proxy = m_links ? m_links->port(index, NodeLink::Balancer) : 0;
    m_lb->addServer(
        node->port(), proxy != 0 ? proxy : node->port(), [this, node](const Result<void> &added) {
            const int now = nodeIndexOf(node); // -1 if it was removed meanwhile
            if (now < 0)
                return;
            Q_EMIT nodeAddFinished(now,
                added ? added
                      : Result<void>::failure(QStringLiteral("%1 runs, but the balancer sends it "
                                                             "no clients: %2")
                                                  .arg(node->name(), added.error())));
        });
}

void FarmSupervisor::removeNode(int index)
{
    const auto refuse = [this, index](const QString &why) {
        Q_EMIT nodeRemoveFinished(
            index, node(index) ? node(index)->name() : QString(), Result<void>::failure(why));
    };
    if (m_state != FarmState::Running)
        return refuse(QStringLiteral("nodes leave a running farm; the farm is %1")
                          .arg(farmStateName(m_state)));
    FarmNode *leaving = node(index);
    if (!leaving)
        return refuse(QStringLiteral("there is no node %1").arg(index));
    if (nodeCount() <= 1)
        return refuse(QStringLiteral("%1 is the farm's last node; stop the farm instead")
                          .arg(leaving->name()));
    if (m_leaving.count(leaving) > 0)
        return refuse(QStringLiteral("%1 is already leaving").arg(leaving->name()));
    qCInfo(lcLauncherFarm, "removing %s", qPrintable(leaving->name()));
    m_leaving.insert(leaving);
    m_joining.erase(leaving);
    m_restarter->forget(leaving->process());
    resume(leaving->process());
    Q_EMIT nodeLeaving(index);
    const auto stopIt = [this, leaving] {
        if (m_leaving.count(leaving) == 0)
            return;
        if (isLive(leaving->process()->state()))
            leaving->process()->stop(); // leftTheFarm() takes it from there
        else
            dropNode(leaving);
    };
    // A node removed before it joined the balancer has no server to put in maintenance.
    if (!m_lb || !isLive(m_lb->process()->state()) || !m_lb->hasServer(leaving->port()))
        return stopIt();
    // Maintenance cuts its clients off through the balancer: they reconnect
    // to the other nodes while it still runs.
    m_lb->setServerAdmin(
        leaving->port(), LbServerAdmin::Maint, [stopIt](const Result<void> &) { stopIt(); });
}

bool FarmSupervisor::leftTheFarm(ManagedProcess *process)
{
    const auto found = std::find_if(m_nodes.cbegin(), m_nodes.cend(),
        [process](const auto &node) { return node->process() == process; });
    if (found == m_nodes.cend() || m_leaving.count(found->get()) == 0 || isLive(process->state()))
        return false;
    if (m_state != FarmState::Running) {
        m_leaving.erase(found->get()); // the farm is stopping: it goes with the rest
        return false;
    }
    dropNode(found->get());
    return true;
}

void FarmSupervisor::dropNode(FarmNode *node)
{
    const int index = nodeIndexOf(node);
    const int processIndex = indexOf(node->process());
    const QString name = node->name();
    const quint16 port = node->port();
    const bool wasAdded = m_leaving.count(node) == 0; // addNode() could not start it
    m_leaving.erase(node);
    m_joining.erase(node);
    m_paused.erase(node->process());
    m_restarter->forget(node->process());
    node->disconnect(this);
    node->process()->disconnect(this);
    if (m_links)
        m_links->removeNode(index);
    // Deleted later: this may run inside one of its signals.
    std::unique_ptr<FarmNode> owned = std::move(m_nodes[size_t(index)]);
    owned.release()->deleteLater();
    m_nodes.erase(m_nodes.begin() + index);
    m_nodeOverrides.erase(m_nodeOverrides.begin() + index);
    m_ports.removeAt(index);
    m_processes.erase(m_processes.begin() + processIndex);
    m_config.nodes = nodeCount();
    Q_EMIT processRemoved(processIndex);
    if (wasAdded)
        return;
    if (!m_lb || !isLive(m_lb->process()->state()) || !m_lb->hasServer(port)) {
        Q_EMIT nodeRemoveFinished(index, name, {});
        return;
    }
    m_lb->deleteServer(port, [this, index, name](const Result<void> &deleted) {
        // It left the farm either way; a server HAProxy kept stays in maintenance.
        if (!deleted)
            Q_EMIT error(m_lastError = QStringLiteral("%1 left the farm, but haproxy kept its "
                                                      "server (in maintenance): %2")
                                           .arg(name, deleted.error()));
        Q_EMIT nodeRemoveFinished(index, name, {});
    });
}

} // namespace farmchat
