// FarmSupervisor's Redis side: the farm's own redis-server with, by
// --redis-topology, its replica and Sentinels or the rest of its cluster;
// or an external Redis (--redis-url) checked before the nodes start.

#include "launcher/externalredischeck_p.h"
#include "launcher/farmnode.h"
#include "launcher/farmplan_p.h"
#include "launcher/farmsupervisor.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"
#include "launcher/sentinelgroup.h"

namespace farmchat {

void FarmSupervisor::addRedis(const QString &program)
{
    const bool cluster = m_config.redisTopology == RedisTopology::Cluster;
    m_redis = std::make_unique<RedisInstance>(program, *m_guard, nullptr,
        cluster ? RedisClusterGroup::serverName(0, false) : QStringLiteral("redis"));
    m_redis->setClusterNode(cluster);
    m_redis->setReplicated(cluster);
    m_redis->setReadyTimeoutMs(m_config.redisTimeoutMs);
    m_redis->setMaxMemoryBytes(m_config.redisMaxMemoryBytes);
    m_redis->process()->setStopGraceMs(m_config.stopGraceMs);
    m_redis->setLogFile(FarmPlan::logFile(m_config, m_redis->process()->name()));
    connect(m_redis.get(), &RedisInstance::ready, this, [this] {
        if (m_state != FarmState::Starting)
            return;
        if (m_cluster) {
            // Made once: a shard restarted later rejoins by its nodes.conf.
            if (m_cluster->isLive())
                return;
            emitProgress(
                QStringLiteral("making a Redis Cluster of %1 shards").arg(m_cluster->shardCount()));
            m_cluster->start(*m_redis, m_config.redisMaxMemoryBytes);
            return;
        }
        if (!m_sentinels) {
            startNodes();
            return;
        }
        // Started once: a primary restarted later rejoins on its own.
        if (m_sentinels->isLive())
            return;
        emitProgress(
            QStringLiteral("starting the replica and %1 Sentinels").arg(SentinelGroup::kSentinels));
        m_sentinels->start(m_redis->port(), m_redis->password(), m_config.redisMaxMemoryBytes);
    });
    connect(m_redis.get(), &RedisInstance::failed, this, &FarmSupervisor::childFailed);
    addProcess(m_redis->process());
}

void FarmSupervisor::addSentinels(const QString &program)
{
    m_sentinels = std::make_unique<SentinelGroup>(program, *m_guard);
    m_redis->setReplicated(true);
    m_sentinels->setDownAfterMs(m_config.sentinelDownAfterMs);
    m_sentinels->setReadyTimeoutMs(m_config.redisTimeoutMs);
    m_sentinels->setStopGraceMs(m_config.stopGraceMs);
    m_sentinels->setLogFiles(
        [this](const QString &name) { return FarmPlan::logFile(m_config, name); });
    connect(m_sentinels.get(), &SentinelGroup::ready, this, [this] {
        if (m_state == FarmState::Starting)
            startNodes();
    });
    connect(m_sentinels.get(), &SentinelGroup::failed, this, &FarmSupervisor::childFailed);
    // After Redis, before the nodes: views list the Redis side first.
    addProcess(m_sentinels->replica()->process());
    for (int i = 0; i < m_sentinels->sentinelCount(); ++i)
        addProcess(m_sentinels->sentinelProcess(i));
}

void FarmSupervisor::addCluster(const QString &program)
{
    m_cluster = std::make_unique<RedisClusterGroup>(
        program, *m_guard, m_config.redisShards, m_config.redisReplicas);
    m_cluster->setReadyTimeoutMs(m_config.redisTimeoutMs * 2);
    m_cluster->setStopGraceMs(m_config.stopGraceMs);
    m_cluster->setLogFiles(
        [this](const QString &name) { return FarmPlan::logFile(m_config, name); });
    connect(m_cluster.get(), &RedisClusterGroup::ready, this, [this] {
        if (m_state == FarmState::Starting)
            startNodes();
    });
    connect(m_cluster.get(), &RedisClusterGroup::failed, this, &FarmSupervisor::childFailed);
    // After the first shard, before the nodes: views list the Redis side first.
    for (int i = 0; i < m_cluster->serverCount(); ++i)
        addProcess(m_cluster->server(i)->process());
}

void FarmSupervisor::checkExternalRedis(const RedisUrl &url)
{
    m_redisUrl = url.toString();
    m_redisPassword = qgetenv("FARMCHAT_REDIS_PASSWORD");
    emitProgress(QStringLiteral("connecting to Redis at %1").arg(m_redisUrl));
    emitProgress(QStringLiteral("waiting for Redis at %1").arg(m_redisUrl));
    m_externalCheck
        = std::make_unique<ExternalRedisCheck>(url, m_redisPassword, m_config.redisTimeoutMs);
    connect(m_externalCheck.get(), &ExternalRedisCheck::finished, this,
        [this](const Result<void> &usable) {
            if (m_state != FarmState::Starting)
                return;
            if (usable)
                startNodes();
            else
                failStart(QStringLiteral("cannot use the Redis at %1: %2")
                              .arg(m_redisUrl, usable.error()));
        });
    m_externalCheck->start();
}

bool FarmSupervisor::isProcessServing(int index) const
{
    const ManagedProcess *p = process(index);
    return p && p->state() == ProcessState::Healthy && !isProcessPaused(index);
}

bool FarmSupervisor::isShardServing(int shard) const
{
    return isProcessServing(processIndexOfShard(shard, false))
        || isProcessServing(processIndexOfShard(shard, true));
}

int FarmSupervisor::shardsServing() const
{
    int serving = 0;
    for (int shard = 0; m_cluster && shard < m_cluster->shardCount(); ++shard)
        serving += isShardServing(shard) ? 1 : 0;
    return serving;
}

int FarmSupervisor::nodeShard(int index) const
{
    // Spread over the shards' primaries as started (any server of a
    // cluster carries classic pub/sub for all); with sharded pub/sub the
    // node reaches every shard and this one is only its first seed.
    return m_cluster ? index % m_cluster->shardCount() : -1;
}

// Every shard's primary as started, the node's own shard first: the seeds
// its slot router reads the cluster's map from.
QString FarmSupervisor::clusterSeeds(int index) const
{
    QStringList seeds;
    for (int i = 0; i < m_cluster->shardCount(); ++i) {
        const int shard = (nodeShard(index) + i) % m_cluster->shardCount();
        if (const RedisInstance *primary = shardServer(shard, 0))
            seeds << QStringLiteral("127.0.0.1:%1").arg(primary->port());
    }
    return seeds.join(u',');
}

RedisInstance *FarmSupervisor::shardServer(int shard, int role) const
{
    if (!m_cluster)
        return nullptr;
    return shard == 0 && role == 0 ? m_redis.get() : m_cluster->shardServer(shard, role);
}

int FarmSupervisor::processIndexOfShard(int shard, bool replica) const
{
    const RedisInstance *server = shardServer(shard, replica ? 1 : 0);
    return server ? indexOf(server->process()) : -1;
}

bool FarmSupervisor::isNodeCutOff(int index) const
{
    const FarmNode *node = this->node(index);
    if (!node || nodeBackplane(index) == BackplaneMode::Off)
        return false;
    const bool shardDown = m_cluster && shardsServing() < m_cluster->shardCount();
    const NodeHealth &health = node->health();
    return health.reachable && !health.redisConnected && !shardDown;
}

bool FarmSupervisor::isBackplaneUp() const
{
    for (int i = 0; i < nodeCount(); ++i) {
        const NodeHealth &health = node(i)->health();
        if (!health.reachable || (nodeBackplane(i) != BackplaneMode::Off && !health.redisConnected))
            return false;
    }
    return true;
}

} // namespace farmchat
