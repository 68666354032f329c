#include "app/controlspanel.h"

#include "app/farmworkspace.h"
#include "app/nodepalette_p.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/redisinstance.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace farmchat {

ControlsPanel::ControlsPanel(FarmWorkspace &workspace, QAction *guidedDemo, QWidget *parent)
    : QWidget(parent)
    , m_workspace(workspace)
    , m_modes(new QButtonGroup(this))
    , m_redisState(new QLabel(this))
    , m_redisStop(new QPushButton(tr("Stop"), this))
    , m_redisKill(new QPushButton(tr("Kill"), this))
    , m_redisRestart(new QPushButton(tr("Restart"), this))
    , m_nodeGrid(new QGridLayout)
{
    auto *modeBox = new QGroupBox(tr("Backplane (whole farm, live)"), this);
    auto *modeLayout = new QHBoxLayout(modeBox);
    const std::array modes {std::pair {BackplaneMode::Off, tr("Off")},
        std::pair {BackplaneMode::PubSub, tr("Pub/sub")},
        std::pair {BackplaneMode::Streams, tr("Streams")}};
    for (const auto &[mode, label] : modes) {
        auto *button = new QRadioButton(label, modeBox);
        m_modes->addButton(button, int(mode));
        modeLayout->addWidget(button);
    }
    m_modes->button(int(BackplaneMode::Off))
        ->setToolTip(tr("Each node only tells its own clients"));
    m_modes->button(int(BackplaneMode::PubSub))
        ->setToolTip(tr("Redis PUBLISH/SUBSCRIBE: at most once, lost while Redis is down"));
    m_modes->button(int(BackplaneMode::Streams))
        ->setToolTip(tr("Redis streams: ordered, replayed after Redis returns"));
    connect(m_modes, &QButtonGroup::idClicked, this,
        [this](int id) { Q_EMIT modeRequested(BackplaneMode(id)); });
    connect(&workspace, &FarmWorkspace::modeChanged, this, &ControlsPanel::showMode);
    showMode(workspace.mode());

    auto *redisBox = new QGroupBox(tr("Redis"), this);
    auto *redisLayout = new QHBoxLayout(redisBox);
    m_redisState->setTextFormat(Qt::PlainText);
    redisLayout->addWidget(m_redisState, 1);
    for (QPushButton *b : {m_redisStop, m_redisKill, m_redisRestart}) {
        b->setParent(redisBox);
        redisLayout->addWidget(b);
    }
    m_redisStop->setToolTip(
        tr("Stop redis-server (SIGTERM): pub/sub loses messages, streams queues them"));
    m_redisKill->setToolTip(tr("Kill redis-server (SIGKILL)"));
    m_redisRestart->setToolTip(tr("Start redis-server again on the same port (empty)"));
    connect(
        m_redisStop, &QPushButton::clicked, this, [this] { m_workspace.supervisor().stopRedis(); });
    connect(
        m_redisKill, &QPushButton::clicked, this, [this] { m_workspace.supervisor().killRedis(); });
    connect(m_redisRestart, &QPushButton::clicked, this,
        [this] { m_workspace.supervisor().restartRedis(); });

    auto *nodeBox = new QGroupBox(tr("Nodes"), this);
    nodeBox->setLayout(m_nodeGrid);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(modeBox);
    layout->addWidget(redisBox);
    layout->addWidget(nodeBox);
    if (guidedDemo) {
        auto *demo = new QToolButton(this);
        demo->setDefaultAction(guidedDemo);
        demo->setToolButtonStyle(Qt::ToolButtonTextOnly);
        layout->addWidget(demo);
    }
    layout->addStretch(1);

    FarmSupervisor &farm = workspace.supervisor();
    connect(&farm, &FarmSupervisor::processesCleared, this, &ControlsPanel::rebuildNodes);
    connect(&farm, &FarmSupervisor::processAdded, this, &ControlsPanel::rebuildNodes);
    connect(&farm, &FarmSupervisor::processChanged, this, &ControlsPanel::refresh);
    connect(&farm, &FarmSupervisor::nodeHealthChanged, this, &ControlsPanel::refresh);
    connect(&farm, &FarmSupervisor::stateChanged, this, &ControlsPanel::refresh);
    connect(&farm, &FarmSupervisor::backplaneRequestFinished, this, &ControlsPanel::refresh);
    rebuildNodes();
}

void ControlsPanel::showMode(BackplaneMode mode)
{
    if (QAbstractButton *button = m_modes->button(int(mode)))
        button->setChecked(true);
}

QAbstractButton *ControlsPanel::modeButton(BackplaneMode mode) const
{
    return m_modes->button(int(mode));
}

QPushButton *ControlsPanel::redisButton(const QString &what) const
{
    if (what == QLatin1String("stop"))
        return m_redisStop;
    if (what == QLatin1String("kill"))
        return m_redisKill;
    return what == QLatin1String("restart") ? m_redisRestart : nullptr;
}

QPushButton *ControlsPanel::nodeButton(int node, const QString &what) const
{
    if (node < 0 || node >= m_nodes.size())
        return nullptr;
    if (what == QLatin1String("kill"))
        return m_nodes[node].kill;
    return what == QLatin1String("restart") ? m_nodes[node].restart : nullptr;
}

QCheckBox *ControlsPanel::cutOffBox(int node) const
{
    return node >= 0 && node < m_nodes.size() ? m_nodes[node].cutOff : nullptr;
}

QString ControlsPanel::nodeStateText(int node) const
{
    return node >= 0 && node < m_nodes.size() ? m_nodes[node].state->text() : QString();
}

QString ControlsPanel::redisStateText() const
{
    return m_redisState->text();
}

void ControlsPanel::rebuildNodes()
{
    for (const NodeRow &row : std::as_const(m_nodes)) {
        for (QWidget *w : std::initializer_list<QWidget *> {
                 row.name, row.state, row.kill, row.restart, row.cutOff})
            w->deleteLater();
    }
    m_nodes.clear();
    FarmSupervisor &farm = m_workspace.supervisor();
    const bool dark = nodepalette::isDark(palette());
    for (int i = 0; i < farm.nodeCount(); ++i) {
        FarmNode *node = farm.node(i);
        NodeRow row {new QLabel(node->name()), new QLabel, new QPushButton(tr("Kill")),
            new QPushButton(tr("Restart")), new QCheckBox(tr("Cut off"))};
        const QColor colour = nodepalette::nodeColour(i, dark);
        row.name->setStyleSheet(
            QStringLiteral("QLabel { background: %1; color: %2; padding: 0 0.3em; }")
                .arg(colour.name(), nodepalette::textOn(colour).name()));
        row.state->setTextFormat(Qt::PlainText);
        row.kill->setToolTip(tr("Kill %1 (SIGKILL): its pane drops and reconnects when it returns")
                                 .arg(node->name()));
        row.restart->setToolTip(tr("Restart %1 (also starts it after a kill)").arg(node->name()));
        row.cutOff->setToolTip(
            tr("Cut %1 off the backplane: its mode goes off, the rest stay on").arg(node->name()));
        connect(row.kill, &QPushButton::clicked, this,
            [this, i] { m_workspace.supervisor().killNode(i); });
        connect(row.restart, &QPushButton::clicked, this,
            [this, i] { m_workspace.supervisor().restartNode(i); });
        connect(row.cutOff, &QCheckBox::clicked, this,
            [this, i](bool cut) { m_workspace.setCutOff(i, cut); });
        m_nodeGrid->addWidget(row.name, i, 0);
        m_nodeGrid->addWidget(row.state, i, 1);
        m_nodeGrid->addWidget(row.kill, i, 2);
        m_nodeGrid->addWidget(row.restart, i, 3);
        m_nodeGrid->addWidget(row.cutOff, i, 4);
        m_nodes << row;
    }
    m_nodeGrid->setColumnStretch(1, 1);
    refresh();
}

void ControlsPanel::refresh()
{
    FarmSupervisor &farm = m_workspace.supervisor();
    const bool running = farm.state() == FarmState::Running;
    for (QAbstractButton *b : m_modes->buttons())
        b->setEnabled(running || farm.state() == FarmState::Stopped);

    RedisInstance *redis = farm.redis();
    if (redis) {
        ManagedProcess *process = redis->process();
        QString text = QStringLiteral("%1 on port %2")
                           .arg(processStateName(process->state()))
                           .arg(redis->port());
        if (!isLive(process->state()) && !process->exitReason().isEmpty())
            text += QStringLiteral(" (%1)").arg(process->exitReason());
        m_redisState->setText(text);
        m_redisStop->setEnabled(running && isLive(process->state()));
        m_redisKill->setEnabled(running && isLive(process->state()));
        m_redisRestart->setEnabled(running);
    } else {
        m_redisState->setText(
            farm.state() == FarmState::Stopped ? tr("not running") : tr("external"));
        for (QPushButton *b : {m_redisStop, m_redisKill, m_redisRestart})
            b->setEnabled(false);
    }

    for (int i = 0; i < m_nodes.size() && i < farm.nodeCount(); ++i) {
        const NodeRow &row = m_nodes[i];
        FarmNode *node = farm.node(i);
        ManagedProcess *process = node->process();
        QString text = processStateName(process->state());
        if (process->state() == ProcessState::Healthy) {
            const NodeHealth &h = node->health();
            text = QStringLiteral("%1 · %2 · %3 · %4 client%5")
                       .arg(text, modeName(farm.nodeBackplane(i)),
                           !h.redisConnected ? tr("no Redis")
                               : h.redisFull ? tr("Redis full: sends refused")
                                             : tr("Redis ok"),
                           QString::number(h.clients),
                           h.clients == 1 ? QString() : QStringLiteral("s"));
        } else if (!process->exitReason().isEmpty()) {
            text += QStringLiteral(" (%1)").arg(process->exitReason());
        }
        row.state->setText(text);
        row.kill->setEnabled(running && isLive(process->state()));
        row.restart->setEnabled(running);
        row.cutOff->setEnabled(running && farm.backplane() != BackplaneMode::Off);
        row.cutOff->setChecked(m_workspace.isCutOff(i));
    }
}

} // namespace farmchat
