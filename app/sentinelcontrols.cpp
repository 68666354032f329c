#include "app/sentinelcontrols.h"

#include "app/elidedlabel.h"
#include "app/farmworkspace.h"
#include "app/sentinelwatch.h"
#include "launcher/managedprocess.h"
#include "launcher/sentinelgroup.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QPushButton>

namespace farmchat {

SentinelControls::SentinelControls(FarmWorkspace &workspace, QWidget *parent)
    : QWidget(parent)
    , m_workspace(workspace)
    , m_state(new ElidedLabel(this))
    , m_kill(new QPushButton(tr("Kill primary"), this))
    , m_pause(new QPushButton(tr("Pause"), this))
    , m_failover(new QPushButton(tr("Failover"), this))
    , m_sentinel(new QComboBox(this))
    , m_killSentinel(new QPushButton(tr("Kill Sentinel"), this))
    , m_restart(new QPushButton(tr("Restart"), this))
{
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_state, 1);
    for (QWidget *w : std::initializer_list<QWidget *> {
             m_kill, m_pause, m_failover, m_sentinel, m_killSentinel, m_restart})
        row->addWidget(w);
    for (int i = 0; i < SentinelGroup::kSentinels; ++i)
        m_sentinel->addItem(tr("S%1").arg(i + 1), i);
    m_kill->setToolTip(tr("Kill the current primary (SIGKILL): the Sentinels promote the "
                          "replica; pub/sub counts what it missed, streams wait"));
    m_pause->setToolTip(tr("Pause the current primary (SIGSTOP): a hang, not a crash. The "
                           "Sentinels fail over; resumed, it rejoins as a replica"));
    m_failover->setToolTip(tr("Ask a Sentinel for a failover (SENTINEL FAILOVER): the replica "
                              "becomes primary with no fault at all"));
    m_sentinel->setAccessibleName(tr("Sentinel to kill"));
    m_sentinel->setToolTip(tr("The Sentinel that Kill Sentinel kills"));
    m_killSentinel->setToolTip(tr("Kill the chosen Sentinel (SIGKILL). With two down there is "
                                  "no quorum and no failover"));
    m_restart->setToolTip(tr("Start again every Redis server and Sentinel that is down"));

    FarmSupervisor &farm = workspace.supervisor();
    connect(m_kill, &QPushButton::clicked, this,
        [this] { m_workspace.supervisor().killProcess(primaryProcess()); });
    connect(m_pause, &QPushButton::clicked, this, [this] {
        const int paused = pausedProcess();
        m_workspace.supervisor().setProcessPaused(
            paused >= 0 ? paused : primaryProcess(), paused < 0);
    });
    connect(m_failover, &QPushButton::clicked, this, [this] {
        m_failover->setEnabled(false);
        m_workspace.sentinelWatch().forceFailover();
    });
    connect(m_killSentinel, &QPushButton::clicked, this, [this] {
        m_workspace.supervisor().killProcess(
            m_workspace.sentinelWatch().sentinelProcess(m_sentinel->currentData().toInt()));
    });
    connect(m_restart, &QPushButton::clicked, this, [this] {
        FarmSupervisor &farm = m_workspace.supervisor();
        const SentinelWatch &watch = m_workspace.sentinelWatch();
        QList<int> down;
        for (int s = 0; s < SentinelWatch::kServers; ++s)
            down << watch.serverProcess(s);
        for (int s = 0; s < SentinelGroup::kSentinels; ++s)
            down << watch.sentinelProcess(s);
        for (const int index : std::as_const(down)) {
            if (index >= 0 && !isLive(farm.process(index)->state()))
                farm.restartProcessAt(index);
        }
    });
    connect(&workspace.sentinelWatch(), &SentinelWatch::failoverFinished, this,
        &SentinelControls::refresh);
    connect(&workspace.sentinelWatch(), &SentinelWatch::changed, this, &SentinelControls::refresh);
    connect(&farm, &FarmSupervisor::processChanged, this, &SentinelControls::refresh);
    connect(&farm, &FarmSupervisor::stateChanged, this, &SentinelControls::refresh);
    refresh();
}

QPushButton *SentinelControls::button(const QString &what) const
{
    if (what == u"kill")
        return m_kill;
    if (what == u"pause")
        return m_pause;
    if (what == u"failover")
        return m_failover;
    if (what == u"kill-sentinel")
        return m_killSentinel;
    return what == u"restart" ? m_restart : nullptr;
}

QString SentinelControls::stateText() const
{
    return m_state->text();
}

int SentinelControls::primaryProcess() const
{
    const SentinelWatch &watch = m_workspace.sentinelWatch();
    const int primary = watch.primaryServer();
    return watch.serverProcess(primary >= 0 ? primary : 0);
}

int SentinelControls::pausedProcess() const
{
    const SentinelWatch &watch = m_workspace.sentinelWatch();
    for (int s = 0; s < SentinelWatch::kServers; ++s) {
        if (m_workspace.supervisor().isProcessPaused(watch.serverProcess(s)))
            return watch.serverProcess(s);
    }
    return -1;
}

void SentinelControls::refresh()
{
    FarmSupervisor &farm = m_workspace.supervisor();
    const SentinelWatch &watch = m_workspace.sentinelWatch();
    const bool running = farm.state() == FarmState::Running && farm.sentinels();
    int down = 0;
    int sentinelsUp = 0;
    for (int s = 0; running && s < SentinelWatch::kServers; ++s)
        down += isLive(farm.process(watch.serverProcess(s))->state()) ? 0 : 1;
    for (int s = 0; running && s < SentinelGroup::kSentinels; ++s) {
        const bool live = isLive(farm.process(watch.sentinelProcess(s))->state());
        down += live ? 0 : 1;
        sentinelsUp += live && watch.isReachable(s) ? 1 : 0;
    }
    const int primary = watch.primaryServer();
    const int paused = pausedProcess();
    QString text;
    if (running) {
        text = primary >= 0 ? tr("primary :%1").arg(watch.serverPort(primary))
                            : tr("no primary known");
        text += tr(" · Sentinels %1/%2").arg(sentinelsUp).arg(SentinelGroup::kSentinels);
        text += watch.hasQuorum() ? tr(" · quorum ok") : tr(" · ✕ no quorum: no failover");
        if (paused >= 0)
            text += tr(" · ⏸ %1 paused").arg(farm.process(paused)->name());
    }
    m_state->setText(text);
    m_state->setDetail(running ? watch.quorumText() : QString());
    m_pause->setText(paused >= 0 ? tr("Resume") : tr("Pause"));
    const bool primaryLive = running && isLive(farm.process(primaryProcess())->state());
    m_kill->setEnabled(primaryLive);
    m_pause->setEnabled(running && (paused >= 0 || primaryLive));
    m_failover->setEnabled(running && sentinelsUp > 0);
    m_killSentinel->setEnabled(running);
    m_sentinel->setEnabled(running);
    m_restart->setEnabled(running && down > 0);
}

} // namespace farmchat
