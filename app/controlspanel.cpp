#include "app/controlspanel.h"

#include "app/clustercontrols.h"
#include "app/elidedlabel.h"
#include "app/farmworkspace.h"
#include "app/linkfaultcontrols.h"
#include "app/nodepalette_p.h"
#include "app/sentinelcontrols.h"
#include "launcher/farmnode.h"
#include "launcher/haproxyinstance.h"
#include "launcher/managedprocess.h"
#include "launcher/redisinstance.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QScreen>
#include <QToolButton>
#include <QVBoxLayout>

namespace farmchat {

namespace {

// The state's symbol, so it reads without colour: ✓ running, ✕ down, … changing.
QString stateSymbol(ProcessState state)
{
    switch (state) {
    case ProcessState::Healthy:
        return QStringLiteral("✓");
    case ProcessState::Crashed:
    case ProcessState::Exited:
    case ProcessState::Stopped:
        return QStringLiteral("✕");
    case ProcessState::Starting:
    case ProcessState::Stopping:
        break;
    }
    return QStringLiteral("…");
}

} // namespace

ControlsPanel::ControlsPanel(FarmWorkspace &workspace, QAction *guidedDemo, QWidget *parent)
    : QWidget(parent)
    , m_workspace(workspace)
    , m_modes(new QButtonGroup(this))
    , m_restartNote(new QLabel(tr("(restarts the nodes)"), this))
    , m_redisState(new ElidedLabel(this))
    , m_redisStop(new QPushButton(tr("Stop"), this))
    , m_redisKill(new QPushButton(tr("Kill"), this))
    , m_redisRestart(new QPushButton(tr("Restart"), this))
    , m_sentinel(new SentinelControls(workspace, this))
    , m_cluster(new ClusterControls(workspace, this))
    , m_nodeGrid(new QGridLayout)
    , m_linksButton(new QToolButton(this))
    , m_linksPopup(new QFrame(this, Qt::Popup))
    , m_links(new LinkFaultControls(workspace, m_linksPopup))
{
    // Compact on purpose: every control stays in view at 1280×720 with eight
    // nodes. One line for the farm (mode, demo), one for Redis, then the
    // nodes at most kNodesPerColumn to a column, further columns side by side.
    QHBoxLayout *modeRow = buildModeRow(guidedDemo);
    connect(&workspace, &FarmWorkspace::modeChanged, this, &ControlsPanel::showMode);
    connect(&workspace, &FarmWorkspace::nodeKindChanged, this, &ControlsPanel::refresh);
    connect(&workspace, &FarmWorkspace::redisTopologyChanged, this, &ControlsPanel::refresh);
    showMode(workspace.mode());
    QHBoxLayout *redisRow = buildRedisRow();

    m_nodeGrid->setHorizontalSpacing(fontMetrics().height() / 3);
    m_nodeGrid->setVerticalSpacing(0);

    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(fontMetrics().height() / 4);
    layout->addLayout(modeRow);
    layout->addLayout(redisRow);
    layout->addLayout(m_nodeGrid);
    layout->addStretch(1);

    FarmSupervisor &farm = workspace.supervisor();
    connect(&farm, &FarmSupervisor::processesCleared, this, &ControlsPanel::rebuildNodes);
    connect(&farm, &FarmSupervisor::processAdded, this, &ControlsPanel::rebuildNodes);
    connect(&farm, &FarmSupervisor::processRemoved, this, &ControlsPanel::rebuildNodes);
    connect(&farm, &FarmSupervisor::processChanged, this, &ControlsPanel::refresh);
    connect(&farm, &FarmSupervisor::nodeHealthChanged, this, &ControlsPanel::refresh);
    connect(&farm, &FarmSupervisor::stateChanged, this, &ControlsPanel::refresh);
    connect(&farm, &FarmSupervisor::backplaneRequestFinished, this, &ControlsPanel::refresh);
    connect(&farm, &FarmSupervisor::lbServersChanged, this, &ControlsPanel::refresh);
    // A refused request leaves the box showing what HAProxy still does.
    connect(&farm, &FarmSupervisor::lbRequestFinished, this, &ControlsPanel::refresh);
    rebuildNodes();
}

QString ControlsPanel::modeToolTip(BackplaneMode mode)
{
    switch (mode) {
    case BackplaneMode::Off:
        return tr("Each node only tells its own clients");
    case BackplaneMode::PubSub:
        return tr("Redis PUBLISH/SUBSCRIBE: at most once, lost while Redis is down");
    case BackplaneMode::Streams:
        return tr("Redis streams: ordered, replayed after Redis returns");
    }
    return {};
}

QLabel *ControlsPanel::heading(const QString &text)
{
    auto *label = new QLabel(text, this);
    QFont bold = label->font();
    bold.setBold(true);
    label->setFont(bold);
    return label;
}

QHBoxLayout *ControlsPanel::buildModeRow(QAction *guidedDemo)
{
    auto *modeRow = new QHBoxLayout;
    modeRow->addWidget(heading(tr("Backplane")));
    const std::array modes {std::pair {BackplaneMode::Off, tr("Off")},
        std::pair {BackplaneMode::PubSub, tr("Pub/sub")},
        std::pair {BackplaneMode::Streams, tr("Streams")}};
    for (const auto &[mode, label] : modes) {
        auto *button = new QRadioButton(label, this);
        m_modes->addButton(button, int(mode));
        modeRow->addWidget(button);
    }
    m_restartNote->setObjectName(QStringLiteral("restartNote"));
    m_restartNote->setToolTip(
        tr("ASP.NET Core nodes cannot switch their backplane live: a switch restarts each node "
           "with the new setting, and its panes reconnect"));
    modeRow->addWidget(m_restartNote);
    connect(m_modes, &QButtonGroup::idClicked, this,
        [this](int id) { Q_EMIT modeRequested(BackplaneMode(id)); });
    modeRow->addStretch(1);
    if (guidedDemo) {
        auto *demo = new QToolButton(this);
        demo->setDefaultAction(guidedDemo);
        demo->setToolButtonStyle(Qt::ToolButtonTextOnly);
        modeRow->addWidget(demo);
    }
    return modeRow;
}

QHBoxLayout *ControlsPanel::buildRedisRow()
{
    auto *redisRow = new QHBoxLayout;
    redisRow->addWidget(heading(tr("Redis")));
    redisRow->addWidget(m_redisState, 1);
    for (QPushButton *b : {m_redisStop, m_redisKill, m_redisRestart})
        redisRow->addWidget(b);
    redisRow->addWidget(m_sentinel, 1);
    redisRow->addWidget(m_cluster, 1);
    // Link faults in a popup: a line of their own would cost the dock the
    // room its node rows need at 1280×720.
    m_linksPopup->setFrameShape(QFrame::StyledPanel);
    auto *popupLayout = new QVBoxLayout(m_linksPopup);
    popupLayout->addWidget(m_links);
    m_linksButton->setAccessibleName(tr("Link faults"));
    connect(m_linksButton, &QToolButton::clicked, this, &ControlsPanel::showLinksPopup);
    connect(&m_workspace.supervisor(), &FarmSupervisor::linkFaultChanged, this,
        &ControlsPanel::refresh);
    redisRow->addWidget(m_linksButton);
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
    return redisRow;
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

QComboBox *ControlsPanel::balancerBox(int node) const
{
    return node >= 0 && node < m_nodes.size() ? m_nodes[node].balancer : nullptr;
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
                 row.name, row.state, row.kill, row.restart, row.cutOff, row.balancer})
            w->deleteLater();
    }
    m_nodes.clear();
    FarmSupervisor &farm = m_workspace.supervisor();
    const bool dark = nodepalette::isDark(palette());
    for (int c = 0; c < m_nodeGrid->columnCount(); ++c)
        m_nodeGrid->setColumnStretch(c, 0);
    for (int i = 0; i < farm.nodeCount(); ++i) {
        FarmNode *node = farm.node(i);
        NodeRow row {new QLabel(node->name(), this), new ElidedLabel(this),
            new QPushButton(tr("Kill"), this), new QPushButton(tr("Restart"), this),
            new QCheckBox(this), new QComboBox(this)};
        for (const LbServerAdmin state :
            {LbServerAdmin::Ready, LbServerAdmin::Drain, LbServerAdmin::Maint})
            row.balancer->addItem(lbServerAdminName(state), int(state));
        row.balancer->setToolTip(
            tr("%1 behind the load balancer: ready (takes new clients), drain (keeps its "
               "clients, gets no new ones) or maint (its clients are cut off and reconnect "
               "to other nodes)")
                .arg(node->name()));
        row.balancer->setAccessibleName(tr("Load balancer state of %1").arg(node->name()));
        row.balancer->setVisible(farm.loadBalancer() != nullptr);
        connect(row.balancer, &QComboBox::activated, this, [this, i, box = row.balancer] {
            m_workspace.supervisor().setNodeLbAdmin(i, LbServerAdmin(box->currentData().toInt()));
        });
        const QColor colour = nodepalette::nodeColour(m_workspace.colourOf(i), dark);
        row.name->setStyleSheet(
            QStringLiteral("QLabel { background: %1; color: %2; padding: 0 0.3em; }")
                .arg(colour.name(), nodepalette::textOn(colour).name()));
        row.kill->setToolTip(tr("Kill %1 (SIGKILL): its pane drops and reconnects when it returns")
                                 .arg(node->name()));
        row.restart->setToolTip(tr("Restart %1 (also starts it after a kill)").arg(node->name()));
        connect(row.kill, &QPushButton::clicked, this,
            [this, i] { m_workspace.supervisor().killNode(i); });
        connect(row.restart, &QPushButton::clicked, this,
            [this, i] { m_workspace.supervisor().restartNode(i); });
        connect(row.cutOff, &QCheckBox::clicked, this, [this, i](bool cut) {
            if (m_workspace.supervisor().links())
                m_workspace.setPartitioned(i, cut);
            else
                m_workspace.setNodeBackplaneOff(i, cut);
        });
        const int gridRow = i % kNodesPerColumn;
        const int first = (i / kNodesPerColumn) * kGridColumnsPerNode;
        m_nodeGrid->addWidget(row.name, gridRow, first);
        m_nodeGrid->addWidget(row.state, gridRow, first + 1);
        m_nodeGrid->addWidget(row.kill, gridRow, first + 2);
        m_nodeGrid->addWidget(row.restart, gridRow, first + 3);
        m_nodeGrid->addWidget(row.cutOff, gridRow, first + 4);
        m_nodeGrid->addWidget(row.balancer, gridRow, first + 5);
        m_nodeGrid->setColumnStretch(first + 1, 1);
        m_nodes << row;
    }
    refresh();
}

void ControlsPanel::refresh()
{
    FarmSupervisor &farm = m_workspace.supervisor();
    const bool running = farm.state() == FarmState::Running;
    const NodeKind kind = m_workspace.nodeKind();
    // What the farm can run: its kind of node and its Redis topology.
    FarmConfig shape;
    shape.nodeKind = kind;
    shape.redisTopology = farm.state() == FarmState::Stopped ? m_workspace.redisTopology()
                                                             : farm.config().redisTopology;
    for (QAbstractButton *b : m_modes->buttons()) {
        const Result<void> supported = shape.supports(BackplaneMode(m_modes->id(b)));
        b->setEnabled(supported && (running || farm.state() == FarmState::Stopped));
        b->setToolTip(supported ? modeToolTip(BackplaneMode(m_modes->id(b))) : supported.error());
    }
    m_restartNote->setVisible(nodeKindSwitchesByRestart(kind));

    // One Redis line: the single server's, the Sentinel farm's or the cluster's.
    const bool sentinel = farm.sentinels() != nullptr;
    const bool cluster = farm.cluster() != nullptr;
    m_sentinel->setVisible(sentinel);
    m_cluster->setVisible(cluster);
    for (QWidget *w :
        std::initializer_list<QWidget *> {m_redisState, m_redisStop, m_redisKill, m_redisRestart})
        w->setVisible(!sentinel && !cluster);
    RedisInstance *redis = farm.redis();
    if (redis) {
        ManagedProcess *process = redis->process();
        m_redisState->setText(
            QStringLiteral("%1 %2 · port %3")
                .arg(stateSymbol(process->state()), processStateName(process->state()))
                .arg(redis->port()));
        // The why (an exit reason may carry its own brackets) only as detail.
        m_redisState->setDetail(isLive(process->state()) ? QString() : process->exitReason());
        m_redisStop->setEnabled(running && isLive(process->state()));
        m_redisKill->setEnabled(running && isLive(process->state()));
        m_redisRestart->setEnabled(running);
    } else {
        m_redisState->setText(
            farm.state() == FarmState::Stopped ? tr("not running") : tr("external"));
        for (QPushButton *b : {m_redisStop, m_redisKill, m_redisRestart})
            b->setEnabled(false);
    }

    for (int i = 0; i < m_nodes.size() && i < farm.nodeCount(); ++i)
        refreshNodeRow(i);
    refreshLinksButton();
    announceIfReshaped(sentinel || cluster, farm.loadBalancer() != nullptr);
}

void ControlsPanel::showLinksPopup()
{
    m_linksPopup->adjustSize();
    QPoint at = m_linksButton->mapToGlobal(QPoint(0, m_linksButton->height()));
    // On the button's screen, whole: pushed left or above when it would leave it.
    if (const QScreen *screen = m_linksButton->screen()) {
        const QRect area = screen->availableGeometry();
        // Never left of the screen, even when the popup is wider than it.
        at.setX(qMax(area.left(), qMin(at.x(), area.right() - m_linksPopup->width())));
        if (at.y() + m_linksPopup->height() > area.bottom())
            at.setY(m_linksButton->mapToGlobal(QPoint(0, 0)).y() - m_linksPopup->height());
    }
    m_linksPopup->move(at);
    m_linksPopup->show();
}

void ControlsPanel::refreshLinksButton()
{
    const FarmSupervisor &farm = m_workspace.supervisor();
    const FarmLinks *links = farm.links();
    int faulted = 0;
    for (int i = 0; links && i < farm.nodeCount(); ++i) {
        for (const NodeLink link : {NodeLink::Redis, NodeLink::Balancer})
            faulted += links->fault(i, link).isHealthy() ? 0 : 1;
    }
    m_linksButton->setText(faulted > 0 ? tr("Links (%1)…").arg(faulted) : tr("Links…"));
    const bool usable = links && farm.state() == FarmState::Running;
    m_linksButton->setEnabled(usable);
    m_linksButton->setToolTip(usable
            ? tr("Latency, bandwidth, partition or reset on a node's link to Redis or from the "
                 "load balancer")
            : m_links->summaryText().isEmpty() ? tr("Link faults: while a farm runs")
                                               : m_links->summaryText());
    if (!usable)
        m_linksPopup->hide();
}

// Rows shown or hidden (not a state text that changed): the dock may need
// another size. A user's own resize is left alone otherwise.
void ControlsPanel::announceIfReshaped(bool sentinel, bool balancer)
{
    const int shape = int(m_nodes.size()) * 8 + (sentinel ? 4 : 0) + (balancer ? 2 : 0)
        + (m_restartNote->isVisibleTo(this) ? 1 : 0);
    if (shape != m_shape) {
        m_shape = shape;
        Q_EMIT layoutChanged();
    }
}

} // namespace farmchat

namespace farmchat {

void ControlsPanel::refreshNodeRow(int i)
{
    FarmSupervisor &farm = m_workspace.supervisor();
    const bool running = farm.state() == FarmState::Running;
    const NodeRow &row = m_nodes[i];
    FarmNode *node = farm.node(i);
    ManagedProcess *process = node->process();
    const BackplaneMode mode = farm.nodeBackplane(i);
    QString text = QStringLiteral("%1 %2").arg(
        stateSymbol(process->state()), processStateName(process->state()));
    if (process->state() == ProcessState::Healthy) {
        const NodeHealth &h = node->health();
        // Off uses no Redis, so "no Redis" there would only alarm.
        const QString redisText = mode == BackplaneMode::Off ? QString()
            : !h.redisConnected                              ? tr(" · ✕ no Redis")
            : h.redisFull ? tr(" · ✕ Redis full: sends refused")
                          : tr(" · Redis ok");
        text = QStringLiteral("%1 · %2%3 · %4 client%5")
                   .arg(text, modeName(mode), redisText, QString::number(h.clients),
                       h.clients == 1 ? QString() : QStringLiteral("s"));
    }
    row.state->setDetail(isLive(process->state()) ? QString() : process->exitReason());
    row.state->setText(text);
    row.kill->setEnabled(running && isLive(process->state()));
    row.restart->setEnabled(running);
    // With link proxies (they open as the nodes start) the box partitions
    // the node's Redis link; without, it switches the node's backplane off.
    row.cutOff->setText(farm.links() ? tr("Partition") : tr("Backplane off"));
    row.cutOff->setToolTip(farm.links()
            ? tr("Partition %1's Redis link: it keeps serving its clients but hears nothing "
                 "from the farm and tells it nothing, until you heal it (Links… for latency "
                 "and the rest)")
                  .arg(node->name())
            : tr("Switch %1's backplane off: its mode goes off, the rest stay on")
                  .arg(node->name()));
    row.cutOff->setEnabled(
        running && (farm.links() != nullptr || farm.backplane() != BackplaneMode::Off));
    row.cutOff->setChecked(
        farm.links() ? m_workspace.isPartitioned(i) : m_workspace.isNodeBackplaneOff(i));
    const HaproxyInstance *lb = farm.loadBalancer();
    if (const LbServerStatus *server = lb ? lb->server(node->port()) : nullptr) {
        // What HAProxy reports, not what was last asked for.
        const QString status = server->status;
        const LbServerAdmin shown = status.startsWith(u"MAINT") ? LbServerAdmin::Maint
            : status.startsWith(u"DRAIN")                       ? LbServerAdmin::Drain
                                                                : LbServerAdmin::Ready;
        row.balancer->setCurrentIndex(row.balancer->findData(int(shown)));
    }
    row.balancer->setVisible(farm.loadBalancer() != nullptr);
    row.balancer->setEnabled(running && farm.loadBalancer() != nullptr);
}

} // namespace farmchat
