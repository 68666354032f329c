// What a user does to a running farm: stop, kill, pause and restart nodes and
// Redis processes, take a node out of the load balancer, switch backplanes. The supervisor's
// start, stop and restart machinery is in farmsupervisor.cpp.
#include "launcher/farmsupervisor.h"

#include "launcher/backplanerequest_p.h"
#include "launcher/crashrestarter_p.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/nodehttpclient_p.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"
#include "launcher/sentinelgroup.h"
#include "platform/processpause.h"

#include <QTimer>

namespace farmchat {

bool FarmSupervisor::checkNodeIndex(int index, const char *operation)
{
    if (m_state != FarmState::Running) {
        Q_EMIT error(m_lastError = QStringLiteral("cannot %1: the farm is %2")
                                       .arg(QLatin1StringView(operation), farmStateName(m_state)));
        return false;
    }
    if (index < 0 || index >= nodeCount()) {
        Q_EMIT error(m_lastError = QStringLiteral("cannot %1: there is no node %2")
                                       .arg(QLatin1StringView(operation))
                                       .arg(index));
        return false;
    }
    return true;
}

void FarmSupervisor::stopNode(int index)
{
    if (!checkNodeIndex(index, "stop a node"))
        return;
    requested(m_nodes[size_t(index)]->process(), ProcessAction::Stop);
    m_restarter->userTookOver(m_nodes[size_t(index)]->process());
    m_nodes[size_t(index)]->process()->stop();
}

void FarmSupervisor::killNode(int index)
{
    if (!checkNodeIndex(index, "kill a node"))
        return;
    requested(m_nodes[size_t(index)]->process(), ProcessAction::Kill);
    m_restarter->userKilled(m_nodes[size_t(index)]->process());
    m_nodes[size_t(index)]->process()->kill();
}

void FarmSupervisor::restartNode(int index)
{
    if (!checkNodeIndex(index, "restart a node"))
        return;
    requested(m_nodes[size_t(index)]->process(), ProcessAction::Restart);
    m_restarter->userTookOver(m_nodes[size_t(index)]->process()); // a fresh count of crashes
    restartProcess(m_nodes[size_t(index)]->process());
}

RedisInstance *FarmSupervisor::ownRedis(const char *operation)
{
    if (!checkNodeIndex(0, operation))
        return nullptr;
    if (!m_redis) {
        Q_EMIT error(m_lastError = QStringLiteral("cannot %1: the farm uses an external Redis")
                                       .arg(QLatin1StringView(operation)));
        return nullptr;
    }
    return m_redis.get();
}

void FarmSupervisor::stopRedis()
{
    if (RedisInstance *redis = ownRedis("stop Redis")) {
        requested(redis->process(), ProcessAction::Stop);
        m_restarter->userTookOver(redis->process());
        redis->process()->stop();
    }
}

void FarmSupervisor::killRedis()
{
    if (RedisInstance *redis = ownRedis("kill Redis")) {
        requested(redis->process(), ProcessAction::Kill);
        m_restarter->userKilled(redis->process());
        redis->kill();
    }
}

void FarmSupervisor::restartRedis()
{
    if (RedisInstance *redis = ownRedis("restart Redis")) {
        requested(redis->process(), ProcessAction::Restart);
        m_restarter->userTookOver(redis->process());
        redis->restart();
    }
}

ManagedProcess *FarmSupervisor::checkProcessIndex(int index, const char *operation)
{
    if (!checkNodeIndex(0, operation))
        return nullptr;
    if (index < 0 || index >= processCount()) {
        Q_EMIT error(m_lastError = QStringLiteral("cannot %1: there is no process %2")
                                       .arg(QLatin1StringView(operation))
                                       .arg(index));
        return nullptr;
    }
    return m_processes[size_t(index)];
}

bool FarmSupervisor::isProcessPaused(int index) const
{
    return index >= 0 && index < processCount() && m_paused.count(m_processes[size_t(index)]) > 0;
}

void FarmSupervisor::resume(const ManagedProcess *process)
{
    if (m_paused.erase(process) > 0 && isLive(process->state()))
        pauseProcess(process->pid(), false);
}

void FarmSupervisor::killProcess(int index)
{
    if (ManagedProcess *process = checkProcessIndex(index, "kill a process")) {
        requested(process, ProcessAction::Kill);
        m_restarter->userKilled(process);
        m_paused.erase(process); // SIGKILL ends a stopped process too
        if (m_redis && process == m_redis->process())
            m_redis->kill();
        else
            process->kill();
    }
}

void FarmSupervisor::stopProcessAt(int index)
{
    if (ManagedProcess *process = checkProcessIndex(index, "stop a process")) {
        requested(process, ProcessAction::Stop);
        resume(process); // a paused child cannot stop politely
        m_restarter->userTookOver(process);
        process->stop();
    }
}

void FarmSupervisor::requested(const ManagedProcess *process, ProcessAction action)
{
    Q_EMIT processActionRequested(indexOf(process), action);
}

void FarmSupervisor::setProcessPaused(int index, bool paused)
{
    ManagedProcess *process
        = checkProcessIndex(index, paused ? "pause a process" : "resume a process");
    if (!process)
        return;
    if (!paused) {
        if (m_paused.count(process))
            requested(process, ProcessAction::Resume);
        resume(process);
    } else if (isLive(process->state()) && !m_paused.count(process)) {
        if (const Result<void> done = pauseProcess(process->pid(), true); !done) {
            Q_EMIT error(m_lastError
                = QStringLiteral("cannot pause %1: %2").arg(process->name(), done.error()));
            return;
        }
        requested(process, ProcessAction::Pause);
        m_paused.insert(process);
    }
    Q_EMIT processChanged(index);
}

void FarmSupervisor::restartProcessAt(int index)
{
    if (ManagedProcess *process = checkProcessIndex(index, "restart a process")) {
        requested(process, ProcessAction::Restart);
        resume(process);
        m_restarter->userTookOver(process);
        restartProcess(process);
    }
}

void FarmSupervisor::restartProcess(ManagedProcess *process)
{
    if (m_state != FarmState::Running && m_state != FarmState::Starting)
        return;
    if (m_redis && process == m_redis->process()) {
        m_redis->restart();
        return;
    }
    if (m_sentinels && process == m_sentinels->replica()->process()) {
        m_sentinels->replica()->restart();
        return;
    }
    for (int i = 0; m_sentinels && i < m_sentinels->sentinelCount(); ++i) {
        if (process == m_sentinels->sentinelProcess(i)) {
            m_sentinels->restartSentinel(i);
            return;
        }
    }
    for (int i = 0; m_cluster && i < m_cluster->serverCount(); ++i) {
        if (process == m_cluster->server(i)->process()) {
            m_cluster->server(i)->restart(); // its nodes.conf brings it back into the cluster
            return;
        }
    }
    if (m_lb && process == m_lb->process()) {
        m_lb->start(m_config.loadBalancer, m_lbPort, m_ports, openBalancerLinks());
        return;
    }
    const int node = nodeIndexOfProcess(indexOf(process));
    if (node >= 0) {
        prepareNode(node); // the farm's current mode and secrets
        process->restart();
    }
}

QUrl FarmSupervisor::publicUrl() const
{
    return m_lb ? m_lb->url() : QUrl();
}

void FarmSupervisor::setNodeLbAdmin(int index, LbServerAdmin state)
{
    if (!checkNodeIndex(index, "change a node at the load balancer"))
        return;
    if (!m_lb) {
        Q_EMIT error(m_lastError
            = QStringLiteral("cannot %1 a node: the farm has no load balancer (--lb none)")
                  .arg(lbServerAdminName(state)));
        return;
    }
    m_lb->setServerAdmin(
        m_nodes[size_t(index)]->port(), state, [this, index, state](const Result<void> &outcome) {
            if (!outcome) {
                m_lastError = QStringLiteral("%1 %2: %3")
                                  .arg(lbServerAdminName(state), m_nodes[size_t(index)]->name(),
                                      outcome.error());
            }
            Q_EMIT lbRequestFinished(index, state, outcome);
        });
}

void FarmSupervisor::setBackplane(BackplaneMode mode)
{
    if (!checkNodeIndex(0, "switch the backplane") || refusesMode(mode, -1))
        return;
    // Every node follows, a cut-off one too; nodes down now get it when they start.
    m_config.backplane = mode;
    QList<int> nodes;
    for (int i = 0; i < nodeCount(); ++i) {
        m_nodeOverrides[size_t(i)].reset();
        nodes << i;
    }
    putBackplane(nodes, mode, -1);
}

void FarmSupervisor::setNodeBackplane(int index, BackplaneMode mode)
{
    if (!checkNodeIndex(index, "switch a node's backplane") || refusesMode(mode, index))
        return;
    m_nodeOverrides[size_t(index)]
        = mode == m_config.backplane ? std::nullopt : std::optional<BackplaneMode>(mode);
    putBackplane({index}, mode, index);
}

bool FarmSupervisor::refusesMode(BackplaneMode mode, int reportedNode)
{
    // Refused before anything changes, so a later restart still starts the
    // nodes in a mode they have.
    const Result<void> supported = m_config.supports(mode);
    if (supported)
        return false;
    m_lastError = QStringLiteral("switching to %1: %2").arg(modeName(mode), supported.error());
    QTimer::singleShot(0, this, [this, mode, reportedNode, supported] {
        Q_EMIT backplaneRequestFinished(mode, reportedNode, supported);
    });
    return true;
}

void FarmSupervisor::putBackplane(const QList<int> &nodes, BackplaneMode mode, int reportedNode)
{
    QList<FarmNode *> targets;
    for (const int i : nodes)
        targets << m_nodes[size_t(i)].get();
    auto finished = [this, mode, reportedNode](const Result<void> &switched) {
        if (!switched)
            m_lastError
                = QStringLiteral("switching to %1: %2").arg(modeName(mode), switched.error());
        Q_EMIT backplaneRequestFinished(mode, reportedNode, switched);
    };
    if (!nodeKindSwitchesByRestart(m_config.nodeKind)) {
        BackplaneRequest::run(*m_http, targets, m_adminToken, mode, this, finished);
        return;
    }
    emitProgress(QStringLiteral("restarting %1 with --backplane %2 (ASP.NET Core nodes cannot "
                                "switch live)")
                     .arg(targets.size() == 1 ? targets.first()->name()
                                              : QStringLiteral("%1 nodes").arg(targets.size()),
                         modeName(mode)));
    BackplaneRequest::byRestart(
        targets,
        [this](FarmNode *node) {
            // Not restartNode(): the switch is the user's action, not a restart.
            m_restarter->userTookOver(node->process());
            restartProcess(node->process());
        },
        this, finished);
}

} // namespace farmchat
