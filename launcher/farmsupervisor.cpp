#include "launcher/farmsupervisor.h"

#include "launcher/backplanerequest_p.h"
#include "launcher/crashrestarter_p.h"
#include "launcher/externalredischeck_p.h"
#include "launcher/farmnode.h"
#include "launcher/farmplan_p.h"
#include "launcher/managedprocess.h"
#include "launcher/nodehttpclient_p.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"
#include "launcher/secret_p.h"
#include "launcher/sentinelgroup.h"
#include "platform/processguard.h"

#include <QLoggingCategory>
#include <QTimer>

namespace farmchat {

Q_LOGGING_CATEGORY(lcLauncherFarm, "farmchat.launcher.farm")

FarmSupervisor::FarmSupervisor(QObject *parent)
    : QObject(parent)
    , m_guard(std::make_unique<ProcessGuard>())
    , m_http(std::make_unique<NodeHttpClient>())
    , m_restarter(std::make_unique<CrashRestarter>(
          [this](ManagedProcess *process) { restartProcess(process); }))
{
    connect(m_restarter.get(), &CrashRestarter::restartScheduled, this,
        [this](ManagedProcess *process, int delayMs, const QString &reason) {
            Q_EMIT restartScheduled(indexOf(process), delayMs, reason);
        });
    connect(m_restarter.get(), &CrashRestarter::gaveUp, this,
        [this](ManagedProcess *, const QString &text) {
            if (m_state == FarmState::Starting)
                failStart(text);
            else
                Q_EMIT error(m_lastError = text);
        });
}

FarmSupervisor::~FarmSupervisor()
{
    // Children die with their ManagedProcess; no signal may reach a half-destroyed supervisor.
    for (ManagedProcess *process : m_processes)
        process->disconnect(this);
    m_restarter->clear();
    m_lb.reset();
    m_nodes.clear();
    m_sentinels.reset();
    m_redis.reset();
}

ManagedProcess *FarmSupervisor::process(int index) const
{
    return index >= 0 && index < processCount() ? m_processes[size_t(index)] : nullptr;
}

int FarmSupervisor::indexOf(const ManagedProcess *process) const
{
    for (size_t i = 0; i < m_processes.size(); ++i) {
        if (m_processes[i] == process)
            return int(i);
    }
    return -1;
}

FarmNode *FarmSupervisor::node(int index) const
{
    return index >= 0 && index < nodeCount() ? m_nodes[size_t(index)].get() : nullptr;
}

int FarmSupervisor::processIndexOfNode(int node) const
{
    return node >= 0 && node < nodeCount() ? indexOf(m_nodes[size_t(node)]->process()) : -1;
}

int FarmSupervisor::nodeIndexOfProcess(int processIndex) const
{
    const ManagedProcess *wanted = process(processIndex);
    for (int i = 0; wanted && i < nodeCount(); ++i) {
        if (m_nodes[size_t(i)]->process() == wanted)
            return i;
    }
    return -1;
}

BackplaneMode FarmSupervisor::nodeBackplane(int index) const
{
    const bool overridden = index >= 0 && index < int(m_nodeOverrides.size())
        && m_nodeOverrides[size_t(index)].has_value();
    return overridden ? *m_nodeOverrides[size_t(index)] : m_config.backplane;
}

void FarmSupervisor::setState(FarmState state)
{
    if (m_state == state)
        return;
    qCDebug(lcLauncherFarm, "farm %s", qPrintable(farmStateName(state)));
    m_state = state;
    Q_EMIT stateChanged(state);
}

void FarmSupervisor::emitProgress(const QString &text)
{
    m_step = qMin(m_step + 1, m_totalSteps);
    Q_EMIT progress(m_step, m_totalSteps, text);
}

void FarmSupervisor::start(const FarmConfig &config)
{
    if (m_state != FarmState::Stopped) {
        Q_EMIT error(QStringLiteral("the farm is %1; stop it before starting again")
                         .arg(farmStateName(m_state)));
        return;
    }
    clearProcesses();
    m_externalCheck.reset();
    m_config = config;
    m_lastError.clear();
    m_startupMs = 0;
    m_step = 0;
    m_healthyNodes = 0;
    // ports, Redis spawn, Redis ready, node spawn, then one step per healthy node.
    m_totalSteps = 4 + qMax(1, config.nodes) + (config.loadBalancer != LbPolicy::None ? 1 : 0)
        + (config.redisTopology != RedisTopology::Single ? 1 : 0);
    m_clock.start();
    setState(FarmState::Starting);
    // Return to the caller first: every outcome arrives as a signal.
    QTimer::singleShot(0, this, &FarmSupervisor::beginStart);
}

void FarmSupervisor::beginStart()
{
    if (m_state != FarmState::Starting)
        return;
    emitProgress(QStringLiteral("checking ports"));
    const auto plan = FarmPlan::make(m_config);
    if (!plan)
        return failStart(plan.error());
    m_nodeProgram = plan->nodeProgram;
    m_ports = plan->ports;
    m_haproxyProgram = plan->haproxyProgram;
    m_lbPort = plan->lbPort;
    const std::optional<RedisUrl> external = plan->externalRedis;

    m_adminToken = generateSecret(40);
    if (!external)
        addRedis(plan->redisProgram);
    if (!external && m_config.redisTopology == RedisTopology::Sentinel)
        addSentinels(plan->redisProgram);
    if (!external && m_config.redisTopology == RedisTopology::Cluster)
        addCluster(plan->redisProgram);
    for (const quint16 port : std::as_const(m_ports))
        createNode(port);
    if (m_config.loadBalancer != LbPolicy::None)
        addLoadBalancer();

    if (external) {
        checkExternalRedis(*external);
        return;
    }
    emitProgress(QStringLiteral("starting redis-server"));
    m_redis->start(0);
    m_redisUrl = m_redis->url();
    m_redisPassword = m_redis->password();
    emitProgress(QStringLiteral("waiting for redis-server on port %1").arg(m_redis->port()));
}

void FarmSupervisor::createNode(quint16 port)
{
    auto node = std::make_unique<FarmNode>(port, *m_guard, *m_http);
    node->setHealthTimeoutMs(m_config.healthTimeoutMs);
    node->setPollIntervalMs(m_config.pollIntervalMs);
    node->process()->setStopGraceMs(m_config.stopGraceMs);
    node->process()->setLogFile(FarmPlan::logFile(m_config, node->name()));
    node->setPublicPort(m_lbPort);
    node->setKind(m_config.nodeKind);
    FarmNode *raw = node.get();
    connect(raw, &FarmNode::becameHealthy, this, &FarmSupervisor::onNodeHealthy);
    connect(raw, &FarmNode::startFailed, this, [this, raw](const QString &why) {
        if (m_joining.erase(raw) > 0) {
            Q_EMIT nodeAddFinished(nodeIndexOf(raw), Result<void>::failure(why));
            return;
        }
        // A node that crashed while starting is restarted with back-off
        // when the farm is to keep running (onProcessStateChanged); the
        // reason shows with each restart.
        if (m_state == FarmState::Starting && restartsWhileStarting(raw->process()))
            return;
        childFailed(why);
    });
    connect(raw, &FarmNode::healthChanged, this, [this, raw] {
        if (const int index = nodeIndexOf(raw); index >= 0)
            Q_EMIT nodeHealthChanged(index);
    });
    m_nodes.push_back(std::move(node));
    m_nodeOverrides.emplace_back();
    addProcess(raw->process());
}

void FarmSupervisor::addLoadBalancer()
{
    // Last in the process list, so Redis and node indexes stay as they are without one.
    m_lb = std::make_unique<HaproxyInstance>(m_haproxyProgram, *m_guard);
    m_lb->setReadyTimeoutMs(m_config.healthTimeoutMs);
    m_lb->setPollIntervalMs(m_config.pollIntervalMs);
    m_lb->process()->setStopGraceMs(m_config.stopGraceMs);
    m_lb->setLogFile(FarmPlan::logFile(m_config, m_lb->process()->name()));
    connect(m_lb.get(), &HaproxyInstance::ready, this, [this] {
        if (m_state == FarmState::Starting)
            becomeRunning();
    });
    connect(m_lb.get(), &HaproxyInstance::failed, this, &FarmSupervisor::childFailed);
    connect(m_lb.get(), &HaproxyInstance::serversChanged, this, &FarmSupervisor::lbServersChanged);
    addProcess(m_lb->process());
}

// A child that cannot run: while starting the start fails; once running the
// farm reports it and carries on.
void FarmSupervisor::childFailed(const QString &why)
{
    if (m_state == FarmState::Starting)
        failStart(why);
    else if (m_state == FarmState::Running)
        Q_EMIT error(m_lastError = why);
}

void FarmSupervisor::addProcess(ManagedProcess *process)
{
    m_processes.push_back(process);
    connect(process, &ManagedProcess::stateChanged, this,
        [this, process] { onProcessStateChanged(process); });
    connect(process, &ManagedProcess::started, this,
        [this, process] { Q_EMIT processChanged(indexOf(process)); });
    connect(process, &ManagedProcess::logLine, this,
        [this, process](const QString &line) { Q_EMIT logLine(process->name(), line); });
    Q_EMIT processAdded(int(m_processes.size()) - 1);
}

void FarmSupervisor::clearProcesses()
{
    if (m_processes.empty())
        return;
    for (ManagedProcess *process : m_processes)
        process->disconnect(this);
    m_processes.clear();
    m_paused.clear();
    m_restarter->clear();
    m_lb.reset();
    m_nodes.clear();
    m_nodeOverrides.clear();
    m_joining.clear();
    m_leaving.clear();
    m_sentinels.reset();
    m_cluster.reset();
    m_redis.reset();
    Q_EMIT processesCleared();
}

void FarmSupervisor::prepareNode(int index)
{
    FarmNode *farmNode = m_nodes[size_t(index)].get();
    if (m_sentinels) {
        farmNode->setSentinels(m_sentinels->sentinelList(), m_sentinels->masterName(),
            m_sentinels->sentinelPassword());
        farmNode->setStreamWait(m_config.streamWaitReplicas, m_config.streamWaitTimeoutMs);
    }
    if (m_cluster) {
        farmNode->setClusterSeeds(clusterSeeds(index));
        // Without replicas a WAIT could never be satisfied.
        farmNode->setStreamWait(m_config.redisReplicas > 0 ? m_config.streamWaitReplicas : 0,
            m_config.streamWaitTimeoutMs);
    }
    farmNode->prepareRun(m_nodeProgram, m_ports, nodeRedisUrl(index), nodeBackplane(index),
        m_redisPassword, m_adminToken);
}

void FarmSupervisor::startNodes()
{
    if (!openRedisLinks())
        return;
    QStringList names;
    for (int i = 0; i < nodeCount(); ++i) {
        prepareNode(i);
        m_nodes[size_t(i)]->process()->start();
        names << m_nodes[size_t(i)]->name();
    }
    emitProgress(
        QStringLiteral("waiting for %1 to answer /health").arg(names.join(QStringLiteral(", "))));
}

void FarmSupervisor::onNodeHealthy()
{
    auto *farmNode = qobject_cast<FarmNode *>(sender());
    if (m_state == FarmState::Running && m_joining.count(farmNode) > 0)
        return joinBalancer(farmNode);
    if (m_state != FarmState::Starting)
        return;
    ++m_healthyNodes;
    emitProgress(QStringLiteral("%1 is healthy (%2 of %3)")
                     .arg(farmNode ? farmNode->name() : QString())
                     .arg(m_healthyNodes)
                     .arg(nodeCount()));
    if (m_healthyNodes < nodeCount())
        return;
    if (m_lb)
        startLoadBalancer();
    else
        becomeRunning();
}

void FarmSupervisor::startLoadBalancer()
{
    emitProgress(QStringLiteral("starting haproxy (%1) on port %2")
                     .arg(lbPolicyName(m_config.loadBalancer))
                     .arg(m_lbPort));
    m_lb->start(m_config.loadBalancer, m_lbPort, m_ports, openBalancerLinks());
}

void FarmSupervisor::becomeRunning()
{
    m_startupMs = m_clock.elapsed();
    qCInfo(lcLauncherFarm, "farm of %d nodes healthy in %lld ms", nodeCount(), m_startupMs);
    setState(FarmState::Running);
    Q_EMIT started();
}

void FarmSupervisor::failStart(const QString &error)
{
    if (m_state != FarmState::Starting)
        return;
    qCInfo(lcLauncherFarm, "start failed: %s", qPrintable(error));
    m_lastError = error;
    Q_EMIT this->error(error);
    stop();
}

void FarmSupervisor::stop()
{
    if (m_state == FarmState::Stopped || m_state == FarmState::Stopping)
        return;
    setState(FarmState::Stopping);
    if (m_externalCheck)
        m_externalCheck->cancel();
    m_restarter->cancelAll();
    while (!m_paused.empty())
        resume(*m_paused.begin()); // a stopped process takes no SIGTERM
    // The balancer first: no client is sent to a node that is going away.
    if (m_lb)
        m_lb->stop();
    for (const auto &farmNode : m_nodes)
        farmNode->process()->stop();
    continueStopping();
}

void FarmSupervisor::continueStopping()
{
    if (m_state != FarmState::Stopping)
        return;
    for (const auto &farmNode : m_nodes) {
        if (isLive(farmNode->process()->state()))
            return;
    }
    if (m_lb && isLive(m_lb->process()->state()))
        return;
    if (m_sentinels) {
        // Sentinels first, so none fails over while the servers stop.
        m_sentinels->stop();
        if (m_sentinels->isLive())
            return;
    }
    if (m_cluster) {
        m_cluster->stop();
        if (m_cluster->isLive())
            return;
    }
    if (m_redis) {
        // Nodes are down: Redis may go (its temp dir goes with it).
        m_redis->stop();
        if (isLive(m_redis->process()->state()))
            return;
    }
    if (m_links)
        m_links->closeAll();
    setState(FarmState::Stopped);
    Q_EMIT stopped();
}

void FarmSupervisor::onProcessStateChanged(ManagedProcess *process)
{
    const int index = indexOf(process);
    if (index < 0)
        return;
    if (!isLive(process->state()))
        m_paused.erase(process);
    Q_EMIT processChanged(index);
    if (leftTheFarm(process))
        return;
    // Read the state now, not the emitted one: an owner may already have restarted it.
    const ProcessState state = process->state();
    if (isLive(state))
        return;
    switch (m_state) {
    case FarmState::Stopping:
        continueStopping();
        break;
    case FarmState::Starting:
        if (restartsWhileStarting(process)) {
            m_restarter->processEnded(process); // a capped back-off, then it gives up
            break;
        }
        // RedisInstance and FarmNode report their own failures first, with more detail.
        failStart(QStringLiteral("%1 ended while the farm was starting: %2")
                      .arg(process->name(), process->exitReason()));
        break;
    case FarmState::Running:
        // A crash, or a kill for failing its health check; CrashRestarter
        // leaves alone what the user stopped or killed.
        if (m_config.keepRunning)
            m_restarter->processEnded(process);
        break;
    case FarmState::Stopped:
        break;
    }
}

bool FarmSupervisor::restartsWhileStarting(const ManagedProcess *process) const
{
    // Only a node that ended by itself: Redis failing, or a node killed for
    // not answering /health in time, fails the start at once.
    return m_config.keepRunning && !isLive(process->state()) && !process->exitWasRequested()
        && nodeIndexOfProcess(indexOf(process)) >= 0;
}

} // namespace farmchat
