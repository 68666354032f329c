#include "app/clustercontrols.h"

#include "app/elidedlabel.h"
#include "app/farmworkspace.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QPushButton>

namespace farmchat {

ClusterControls::ClusterControls(FarmWorkspace &workspace, QWidget *parent)
    : QWidget(parent)
    , m_workspace(workspace)
    , m_state(new ElidedLabel(this))
    , m_server(new QComboBox(this))
    , m_kill(new QPushButton(tr("Kill"), this))
    , m_pause(new QPushButton(tr("Pause"), this))
    , m_restart(new QPushButton(tr("Restart"), this))
{
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_state, 1);
    for (QWidget *w : std::initializer_list<QWidget *> {m_server, m_kill, m_pause, m_restart})
        row->addWidget(w);
    m_server->setAccessibleName(tr("Cluster server"));
    m_server->setToolTip(tr("The cluster server the buttons act on: a shard's primary, or its "
                            "replica"));
    m_kill->setToolTip(tr("Kill the chosen server (SIGKILL). Its shard's rooms lose Redis; with "
                          "a replica, the replica takes over once the cluster agrees (about 2 s)"));
    m_pause->setToolTip(tr("Pause the chosen server (SIGSTOP): a hang, not a crash"));
    m_restart->setToolTip(tr("Start the chosen server again: it rejoins the cluster (after a "
                             "failover, as a replica)"));

    FarmSupervisor &farm = workspace.supervisor();
    connect(m_kill, &QPushButton::clicked, this,
        [this] { m_workspace.supervisor().killProcess(chosenProcess()); });
    connect(m_pause, &QPushButton::clicked, this, [this] {
        FarmSupervisor &farm = m_workspace.supervisor();
        const int index = chosenProcess();
        farm.setProcessPaused(index, !farm.isProcessPaused(index));
    });
    connect(m_restart, &QPushButton::clicked, this,
        [this] { m_workspace.supervisor().restartProcessAt(chosenProcess()); });
    connect(m_server, &QComboBox::currentIndexChanged, this, &ClusterControls::refresh);
    connect(&farm, &FarmSupervisor::processChanged, this, &ClusterControls::refresh);
    connect(&farm, &FarmSupervisor::stateChanged, this, [this] {
        fillServers();
        refresh();
    });
    fillServers();
    refresh();
}

QPushButton *ClusterControls::button(const QString &what) const
{
    if (what == u"kill")
        return m_kill;
    if (what == u"pause")
        return m_pause;
    return what == u"restart" ? m_restart : nullptr;
}

QString ClusterControls::stateText() const
{
    return m_state->text();
}

void ClusterControls::fillServers()
{
    const RedisClusterGroup *cluster = m_workspace.supervisor().cluster();
    const int shards = cluster ? cluster->shardCount() : 0;
    const int roles = cluster ? 1 + cluster->replicasPerShard() : 0;
    if (m_server->count() == shards * roles)
        return;
    const QSignalBlocker quiet(m_server);
    m_server->clear();
    for (int shard = 0; shard < shards; ++shard) {
        m_server->addItem(tr("S%1").arg(shard + 1), QPoint(shard, 0));
        if (roles > 1)
            m_server->addItem(tr("S%1 replica").arg(shard + 1), QPoint(shard, 1));
    }
}

int ClusterControls::chosenProcess() const
{
    const QPoint chosen = m_server->currentData().toPoint();
    return m_server->currentIndex() < 0
        ? -1
        : m_workspace.supervisor().processIndexOfShard(chosen.x(), chosen.y() == 1);
}

void ClusterControls::refresh()
{
    const FarmSupervisor &farm = m_workspace.supervisor();
    const RedisClusterGroup *cluster = farm.cluster();
    const bool running = farm.state() == FarmState::Running && cluster;
    QString text;
    QStringList detail;
    if (running) {
        for (int shard = 0; shard < cluster->shardCount(); ++shard) {
            const auto [first, last] = cluster->slotRange(shard);
            detail << tr("S%1 slots %2–%3: %4")
                          .arg(shard + 1)
                          .arg(first)
                          .arg(last)
                          .arg(farm.isShardServing(shard) ? tr("serving") : tr("down"));
        }
        text = tr("%1 of %2 shards up").arg(farm.shardsServing()).arg(cluster->shardCount());
        if (cluster->replicasPerShard() > 0)
            text += tr(" · 1 replica each");
    }
    m_state->setText(text);
    m_state->setDetail(detail.join(u'\n'));
    const int index = chosenProcess();
    const ManagedProcess *chosen = running ? farm.process(index) : nullptr;
    const bool live = chosen && isLive(chosen->state());
    const bool paused = chosen && farm.isProcessPaused(index);
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    m_server->setEnabled(running);
    m_kill->setEnabled(live);
    m_pause->setEnabled(live);
    m_restart->setEnabled(chosen != nullptr);
}

} // namespace farmchat
