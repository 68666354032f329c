#include "app/farmstatusbar_p.h"

#include "app/farmworkspace.h"
#include "app/sentinelwatch.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"
#include "launcher/redismemorypoll.h"

#include <QLabel>

namespace farmchat {

FarmStatusBar::FarmStatusBar(FarmWorkspace &workspace, QWidget *parent)
    : QStatusBar(parent)
    , m_workspace(workspace)
    , m_farm(new QLabel(this))
    , m_redis(new QLabel(this))
    , m_rate(new QLabel(this))
{
    addPermanentWidget(m_farm);
    addPermanentWidget(m_redis);
    addPermanentWidget(m_rate);
    m_rate->setToolTip(tr("Messages arriving in the chat panes per second, over the last second"));
    connect(&m_timer, &QTimer::timeout, this, &FarmStatusBar::refresh);
    m_timer.start(kRefreshMs);
    FarmSupervisor &farm = workspace.supervisor();
    connect(&farm, &FarmSupervisor::stateChanged, this, &FarmStatusBar::refresh);
    connect(&farm, &FarmSupervisor::processChanged, this, &FarmStatusBar::refresh);
    connect(&farm, &FarmSupervisor::processChanged, this, &FarmStatusBar::sayWhatFailed);
    connect(&farm, &FarmSupervisor::processesCleared, this, [this] { m_wasLive.clear(); });
    connect(&farm, &FarmSupervisor::backplaneRequestFinished, this, &FarmStatusBar::refresh);
    SentinelWatch &sentinels = workspace.sentinelWatch();
    connect(&sentinels, &SentinelWatch::changed, this, &FarmStatusBar::refresh);
    connect(&sentinels, &SentinelWatch::failoverFinished, this, [this](const Result<void> &done) {
        showMessage(done ? tr("Failover requested: the Sentinels promote the replica")
                         : tr("✕ Failover refused: %1").arg(done.error()),
            kFailureMessageMs);
    });
    refresh();
}

QString FarmStatusBar::farmText() const
{
    FarmSupervisor &farm = m_workspace.supervisor();
    QString text = tr("Farm: %1").arg(farmStateName(farm.state()));
    if (farm.state() == FarmState::Running)
        text += tr(" · %1 node(s) · %2").arg(farm.nodeCount()).arg(modeName(farm.backplane()));
    return text;
}

QString FarmStatusBar::redisText() const
{
    FarmSupervisor &farm = m_workspace.supervisor();
    RedisInstance *redis = farm.redis();
    if (!redis)
        return tr("Redis: —");
    // Sentinel farm: who is primary and whether a failover can happen at all.
    if (const SentinelWatch &watch = m_workspace.sentinelWatch(); watch.isActive()) {
        const int primary = watch.primaryServer();
        const QString text = primary < 0
            ? tr("Redis: no primary known")
            : tr("Redis: primary %1 :%2")
                  .arg(farm.process(watch.serverProcess(primary))->name())
                  .arg(watch.serverPort(primary));
        return text
            + (watch.hasQuorum() ? tr(" · Sentinel quorum ok")
                                 : tr(" · ✕ Sentinel quorum lost: no failover possible"));
    }
    if (const RedisClusterGroup *cluster = farm.cluster())
        return tr("Redis Cluster: %1 of %2 shards up")
            .arg(farm.shardsServing())
            .arg(cluster->shardCount());
    QString text = tr("Redis: %1").arg(processStateName(redis->process()->state()));
    // Used memory against the cap (maxmemory; full at the cap, never evicting).
    const RedisMemoryPoll &memory = redis->memory();
    if (redis->process()->state() == ProcessState::Healthy && memory.usedBytes() >= 0) {
        const auto mib
            = [](qint64 bytes) { return QString::number(double(bytes) / (1 << 20), 'f', 1); };
        text += memory.maxBytes() > 0
            ? tr(" · %1 of %2 MiB").arg(mib(memory.usedBytes()), mib(memory.maxBytes()))
            : tr(" · %1 MiB, no cap").arg(mib(memory.usedBytes()));
    }
    // The nodes see it first: their writes are what Redis refuses.
    for (int i = 0; i < farm.nodeCount(); ++i) {
        if (farm.node(i)->health().redisFull)
            return text + tr(" · full (maxmemory): sends refused");
    }
    return text;
}

QString FarmStatusBar::rateText() const
{
    return tr("%1 msg/s").arg(m_workspace.messagesPerSecond(), 0, 'f', 0);
}

void FarmStatusBar::sayWhatFailed(int index)
{
    // A process that was up and went down is said once, where the eye is.
    ManagedProcess *process = m_workspace.supervisor().process(index);
    if (!process)
        return;
    const bool live = isLive(process->state());
    const bool was = m_wasLive.value(process->name(), false);
    m_wasLive.insert(process->name(), live);
    if (m_workspace.supervisor().state() != FarmState::Running)
        return;
    if (!was && live && currentMessage().startsWith(tr("✕ %1 is").arg(process->name()))) {
        // The failure line would otherwise outlive the recovery it announced.
        showMessage(tr("✓ %1 is back").arg(process->name()), kBackMessageMs);
        return;
    }
    if (!was || live)
        return;
    const SentinelWatch &watch = m_workspace.sentinelWatch();
    const bool redis = (m_workspace.supervisor().redis()
                           && m_workspace.supervisor().redis()->process() == process)
        || (watch.isActive() && watch.serverProcess(1) == index);
    QString text = tr("✕ %1 is %2").arg(process->name(), processStateName(process->state()));
    const FarmSupervisor &farm = m_workspace.supervisor();
    if (farm.cluster() && process->name().startsWith(u"redis-shard-"))
        text += farm.cluster()->replicasPerShard() > 0
            ? tr(" — the rooms on its slots lose the backplane; if it was a primary, its "
                 "replica takes over in about 2 s")
            : tr(" — the rooms on its slots lose the backplane until it is back (pub/sub "
                 "misses their messages, streams queues them); the other rooms carry on");
    else if (process->name().startsWith(u"sentinel-"))
        text += tr(" — a failover needs two Sentinels (the quorum)");
    else if (redis && watch.isActive())
        text += tr(" — if it was the primary, the Sentinels promote the replica; pub/sub loses "
                   "messages meanwhile, streams queues them");
    else if (redis)
        text += tr(" — pub/sub loses messages meanwhile, streams queues them");
    else
        text += tr(" — its pane reconnects when it is back");
    showMessage(text, kFailureMessageMs);
}

void FarmStatusBar::refresh()
{
    m_farm->setText(farmText());
    m_redis->setText(redisText());
    m_rate->setText(rateText());
}

} // namespace farmchat
