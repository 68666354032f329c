#include "app/farmbar.h"

#include "app/appsettings.h"
#include "app/elidedlabel.h"
#include "app/farmworkspace.h"
#include "app/nodepalette_p.h"
#include "launcher/executablelocator.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QToolButton>
#include <QVBoxLayout>

#include <utility>

namespace farmchat {

namespace {

// Greys out the item of `combo` whose data is `value`; its tooltip says why.
void setChoiceEnabled(QComboBox *combo, int value, bool enabled, const QString &why)
{
    auto *model = qobject_cast<QStandardItemModel *>(combo->model());
    QStandardItem *item = model ? model->item(combo->findData(value)) : nullptr;
    if (!item)
        return;
    item->setEnabled(enabled);
    item->setToolTip(enabled ? QString() : why);
}

} // namespace

FarmBar::FarmBar(FarmWorkspace &workspace, QWidget *parent)
    : QWidget(parent)
    , m_workspace(workspace)
    , m_nodes(new QSpinBox(this))
    , m_basePort(new QSpinBox(this))
    , m_problems(new QWidget(this))
    , m_nodesStatus(new ElidedLabel(m_problems))
    , m_portStatus(new ElidedLabel(m_problems))
    , m_usePort(new QToolButton(m_problems))
    , m_kind(new QComboBox(this))
    , m_mode(new QComboBox(this))
    , m_lb(new QComboBox(this))
    , m_redis(new QComboBox(this))
    , m_skipNegotiation(new QCheckBox(tr("S&kip negotiation"), this))
    , m_launch(new QPushButton(tr("&Launch"), this))
    , m_stop(new QPushButton(tr("&Stop"), this))
    , m_progress(new QProgressBar(this))
    , m_progressText(new ElidedLabel(this))
{
    // Wider than the farm allows, so a typed 0 or 99 is said to be out of
    // range (onNodesEdited) instead of being silently refused.
    m_nodes->setRange(0, 99);
    m_nodes->setValue(workspace.nodes());
    m_nodes->setToolTip(tr("How many chat nodes the farm runs (1–8)"));
    m_nodes->setAccessibleName(tr("Node count"));
    m_basePort->setRange(AppSettings::kMinPort, 65535);
    m_basePort->setValue(workspace.basePort());
    m_basePort->setGroupSeparatorShown(false);
    m_basePort->setToolTip(tr("Nodes listen on this port and the ones after it, on 127.0.0.1"));
    m_basePort->setAccessibleName(tr("Base port"));
    fillChoices();
    m_skipNegotiation->setChecked(workspace.skipNegotiation());
    m_skipNegotiation->setToolTip(
        tr("Panes open the WebSocket at once, without POST /negotiate: one request, so a "
           "balancer without sticky sessions cannot split it. Applies at the next launch."));
    m_launch->setToolTip(tr("Start Redis and the nodes, and open a chat pane on each (Ctrl+L)"));
    m_stop->setToolTip(tr("Stop every node and Redis (Ctrl+Shift+L)"));
    m_progress->setTextVisible(false);
    m_progress->setMaximumWidth(fontMetrics().averageCharWidth() * 16);
    // Shown only while the farm starts or stops: it takes room the bar has
    // and never widens the window (at 1280 px the bar is nearly full).
    m_progress->setSizePolicy(QSizePolicy::Ignored, m_progress->sizePolicy().verticalPolicy());
    m_progress->hide();
    createLayout();

    connect(m_nodes, &QSpinBox::valueChanged, this, &FarmBar::onNodesEdited);
    connect(m_basePort, &QSpinBox::valueChanged, this,
        [this](int port) { Q_EMIT basePortRequested(quint16(port)); });
    connect(m_kind, &QComboBox::activated, this, [this] { Q_EMIT nodeKindRequested(nodeKind()); });
    connect(m_mode, &QComboBox::activated, this, [this] { Q_EMIT modeRequested(mode()); });
    connect(m_lb, &QComboBox::activated, this,
        [this] { Q_EMIT loadBalancerRequested(loadBalancer()); });
    connect(m_redis, &QComboBox::activated, this,
        [this] { Q_EMIT redisTopologyRequested(redisTopology()); });
    connect(m_skipNegotiation, &QCheckBox::clicked, this, &FarmBar::skipNegotiationRequested);
    connect(m_launch, &QPushButton::clicked, this, &FarmBar::launchRequested);
    connect(m_stop, &QPushButton::clicked, this, &FarmBar::stopRequested);

    connect(&workspace, &FarmWorkspace::nodesChanged, m_nodes, &QSpinBox::setValue);
    connect(&workspace, &FarmWorkspace::basePortChanged, m_basePort, &QSpinBox::setValue);
    connect(&workspace, &FarmWorkspace::nodeKindChanged, this, &FarmBar::showNodeKind);
    connect(&workspace, &FarmWorkspace::modeChanged, this, &FarmBar::showMode);
    connect(&workspace, &FarmWorkspace::loadBalancerChanged, this, &FarmBar::showLoadBalancer);
    connect(&workspace, &FarmWorkspace::redisTopologyChanged, this, &FarmBar::showRedisTopology);
    connect(&workspace, &FarmWorkspace::skipNegotiationChanged, m_skipNegotiation,
        &QCheckBox::setChecked);
    connect(&workspace.portCheck(), &PortCheck::problemChanged, this, &FarmBar::showPortProblem);
    FarmSupervisor &farm = workspace.supervisor();
    connect(&farm, &FarmSupervisor::stateChanged, this, &FarmBar::showFarmState);
    connect(&farm, &FarmSupervisor::progress, this, &FarmBar::showProgress);
    // A switch by restart reports progress while the farm runs; it ends with the request.
    connect(&farm, &FarmSupervisor::backplaneRequestFinished, this, [this] {
        if (m_workspace.supervisor().state() == FarmState::Running)
            m_progressText->setText({});
    });
    showFarmState(farm.state());
    showPortProblem(workspace.portCheck().problem());
}

// The combos' items, tooltips and current choice.
void FarmBar::fillChoices()
{
    m_kind->addItem(tr("FarmChat"), int(NodeKind::FarmChat));
    m_kind->addItem(tr("ASP.NET Core"), int(NodeKind::AspNetCore));
    m_kind->setToolTip(
        tr("The nodes' server: farmchat-node, or ASP.NET Core SignalR with Microsoft's Redis "
           "backplane (off and pub/sub only; a switch restarts its nodes). Applies at the next "
           "launch."));
    m_kind->setAccessibleName(tr("Node server"));
    m_mode->addItem(tr("off"), int(BackplaneMode::Off));
    m_mode->addItem(tr("pub/sub"), int(BackplaneMode::PubSub));
    m_mode->addItem(tr("streams"), int(BackplaneMode::Streams));
    m_mode->setToolTip(tr("Backplane: off (each node alone), Redis pub/sub, or Redis streams. "
                          "Switches live while the farm runs."));
    m_mode->setAccessibleName(tr("Backplane mode"));
    showMode(m_workspace.mode());
    m_lb->addItem(tr("none"), int(LbPolicy::None));
    m_lb->addItem(tr("round-robin"), int(LbPolicy::RoundRobin));
    m_lb->addItem(tr("sticky"), int(LbPolicy::Sticky));
    m_lb->addItem(tr("source"), int(LbPolicy::Source));
    m_lb->setToolTip(
        tr("Load balancer (HAProxy) in front of the nodes: none (each pane on its own node), "
           "round-robin (no stickiness: negotiate and WebSocket may reach different nodes), "
           "sticky (a cookie pins each pane to its node) or source (by client address)"));
    m_lb->setAccessibleName(tr("Load balancer"));
    showLoadBalancer(m_workspace.loadBalancer());
    m_redis->addItem(tr("single"), int(RedisTopology::Single));
    m_redis->addItem(tr("sentinel"), int(RedisTopology::Sentinel));
    m_redis->addItem(tr("cluster"), int(RedisTopology::Cluster));
    m_redis->setToolTip(tr("Redis: one server (single), or a primary, a replica and three "
                           "Sentinels that fail over when the primary dies (sentinel). Applies "
                           "at the next launch."));
    m_redis->setAccessibleName(tr("Redis topology"));
    showRedisTopology(m_workspace.redisTopology());
    checkAspNetCoreNode();
    showNodeKind(m_workspace.nodeKind());
}

void FarmBar::createLayout()
{
    auto *fields = new QHBoxLayout;
    // Between groups; small, so that the whole bar fits 1280 px with room to spare.
    const int gap = fontMetrics().averageCharWidth() / 2;
    auto label = [this](const QString &text, QWidget *buddy) {
        auto *l = new QLabel(text, this);
        l->setBuddy(buddy);
        return l;
    };
    const std::pair<QString, QWidget *> labelled[]
        = {{tr("&Nodes"), m_nodes}, {tr("&Port"), m_basePort}, {tr("Ser&ver"), m_kind},
            {tr("&Backplane"), m_mode}, {tr("&Redis"), m_redis}, {tr("Loa&d balancer"), m_lb}};
    for (const auto &[text, field] : labelled) {
        if (field != m_nodes)
            fields->addSpacing(gap);
        fields->addWidget(label(text, field));
        fields->addWidget(field);
    }
    fields->addWidget(m_skipNegotiation);
    fields->addSpacing(gap);
    fields->addWidget(m_launch);
    fields->addWidget(m_stop);
    fields->addWidget(m_progress);
    fields->addWidget(m_progressText, 1);

    // What is wrong with the fields, each problem on its own label: the
    // whole width of the window, so both read in full at 1280 px.
    m_nodesStatus->setObjectName(QStringLiteral("nodesProblem"));
    m_portStatus->setObjectName(QStringLiteral("portProblem"));
    m_usePort->setObjectName(QStringLiteral("usePort"));
    m_usePort->hide();
    connect(m_usePort, &QToolButton::clicked, this, [this] {
        if (const quint16 port = m_workspace.portCheck().suggestion())
            m_basePort->setValue(port);
    });
    auto *problems = new QHBoxLayout(m_problems);
    problems->setContentsMargins(0, 0, 0, 0);
    problems->addWidget(m_nodesStatus);
    problems->addSpacing(fontMetrics().averageCharWidth() * 2);
    problems->addWidget(m_portStatus);
    problems->addWidget(m_usePort);
    problems->addStretch(1);
    m_problems->hide();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(fields);
    layout->addWidget(m_problems);
}

int FarmBar::nodes() const
{
    return m_nodes->value();
}

quint16 FarmBar::basePort() const
{
    return quint16(m_basePort->value());
}

NodeKind FarmBar::nodeKind() const
{
    return NodeKind(m_kind->currentData().toInt());
}

BackplaneMode FarmBar::mode() const
{
    return BackplaneMode(m_mode->currentData().toInt());
}

LbPolicy FarmBar::loadBalancer() const
{
    return LbPolicy(m_lb->currentData().toInt());
}

RedisTopology FarmBar::redisTopology() const
{
    return RedisTopology(m_redis->currentData().toInt());
}

bool FarmBar::skipNegotiation() const
{
    return m_skipNegotiation->isChecked();
}

QString FarmBar::portProblem() const
{
    return m_workspace.portCheck().problem();
}

QString FarmBar::launchProblem() const
{
    QStringList problems;
    for (const QString &problem : {m_nodesProblem, portProblem()}) {
        if (!problem.isEmpty())
            problems << problem;
    }
    return problems.join(QStringLiteral("; "));
}

QString FarmBar::problemText() const
{
    QStringList shown;
    for (const ElidedLabel *label : {m_nodesStatus, m_portStatus}) {
        if (!label->text().isEmpty())
            shown << label->text();
    }
    return shown.join(QStringLiteral("  "));
}

void FarmBar::onNodesEdited(int nodes)
{
    if (nodes >= AppSettings::kMinNodes && nodes <= AppSettings::kMaxNodes) {
        m_nodesProblem.clear();
        Q_EMIT nodesRequested(nodes);
    } else {
        m_nodesProblem = tr("a farm has %1 to %2 nodes")
                             .arg(AppSettings::kMinNodes)
                             .arg(AppSettings::kMaxNodes);
    }
    showProblems();
}

void FarmBar::showNodeKind(NodeKind kind)
{
    m_kind->setCurrentIndex(m_kind->findData(int(kind)));
    const bool aspNetCore = kind == NodeKind::AspNetCore;
    showStreamsChoice();
    setChoiceEnabled(m_redis, int(RedisTopology::Sentinel), !aspNetCore,
        tr("ASP.NET Core nodes connect to one Redis, not through Sentinel"));
    setChoiceEnabled(m_redis, int(RedisTopology::Cluster), !aspNetCore,
        tr("ASP.NET Core nodes connect to one Redis here, not to a cluster"));
}

void FarmBar::showStreamsChoice()
{
    // Streams needs the nodes' kind and the Redis topology to allow it.
    FarmConfig shape;
    shape.nodeKind = m_workspace.nodeKind();
    shape.redisTopology = m_workspace.redisTopology();
    const Result<void> streams = shape.supports(BackplaneMode::Streams);
    setChoiceEnabled(m_mode, int(BackplaneMode::Streams), streams.ok(),
        streams.ok() ? QString() : streams.error());
}

void FarmBar::checkAspNetCoreNode()
{
    const Result<QString> node = ExecutableLocator::nodeBinary(NodeKind::AspNetCore);
    setChoiceEnabled(
        m_kind, int(NodeKind::AspNetCore), node.ok(), node.ok() ? QString() : node.error());
}

void FarmBar::showMode(BackplaneMode mode)
{
    m_mode->setCurrentIndex(m_mode->findData(int(mode)));
}

void FarmBar::showLoadBalancer(LbPolicy policy)
{
    m_lb->setCurrentIndex(m_lb->findData(int(policy)));
}

void FarmBar::showRedisTopology(RedisTopology topology)
{
    m_redis->setCurrentIndex(m_redis->findData(int(topology)));
    showStreamsChoice();
}

void FarmBar::showFarmState(FarmState state)
{
    const bool stopped = state == FarmState::Stopped;
    // These shape the farm and its panes: chosen before a launch.
    m_lb->setEnabled(stopped);
    m_redis->setEnabled(stopped);
    m_kind->setEnabled(stopped);
    if (stopped)
        checkAspNetCoreNode();
    m_skipNegotiation->setEnabled(stopped);
    m_nodes->setEnabled(stopped);
    m_basePort->setEnabled(stopped);
    m_stop->setEnabled(state == FarmState::Starting || state == FarmState::Running);
    m_mode->setEnabled(state != FarmState::Starting && state != FarmState::Stopping);
    m_progress->setVisible(state == FarmState::Starting || state == FarmState::Stopping);
    if (state == FarmState::Stopping) {
        m_progress->setRange(0, 0); // busy
        m_progressText->setText(tr("stopping the farm…"));
    } else if (state != FarmState::Starting) {
        m_progressText->setText({});
    }
    showProblems();
}

void FarmBar::showProgress(int step, int total, const QString &text)
{
    m_progress->setRange(0, qMax(1, total));
    m_progress->setValue(step);
    m_progressText->setText(QStringLiteral("%1 (%2/%3)").arg(text).arg(step).arg(total));
}

void FarmBar::showPortProblem(const QString &)
{
    showProblems();
}

void FarmBar::showProblems()
{
    // A palette, not a style sheet: a styled QSpinBox loses its arrows.
    const bool dark = nodepalette::isDark(palette());
    const QColor bad = nodepalette::bad(dark);
    const auto flag = [&](QSpinBox *spin, bool flagged) {
        QPalette p = palette();
        if (flagged) {
            const QColor base = p.color(QPalette::Base);
            const auto mix = [](float a, float b) { return a * 0.8f + b * 0.2f; };
            p.setColor(QPalette::Text, bad);
            p.setColor(QPalette::Base,
                QColor::fromRgbF(mix(base.redF(), bad.redF()), mix(base.greenF(), bad.greenF()),
                    mix(base.blueF(), bad.blueF())));
        }
        spin->setPalette(p);
        spin->setProperty("flagged", flagged);
    };
    const QString port = m_workspace.portCheck().problem();
    const quint16 suggestion = m_workspace.portCheck().suggestion();
    flag(m_nodes, !m_nodesProblem.isEmpty());
    flag(m_basePort, !port.isEmpty());
    // Each field says what is wrong with it; two wrong fields, two lines of text.
    const auto say = [&](ElidedLabel *label, const QString &problem, const QString &detail) {
        label->setStyleSheet(QStringLiteral("color: %1").arg(bad.name()));
        label->setText(problem.isEmpty() ? QString() : QStringLiteral("✕ ") + problem);
        label->setDetail(problem.isEmpty() ? QString() : detail);
        label->setVisible(!problem.isEmpty());
    };
    say(m_nodesStatus, m_nodesProblem,
        tr("Type a node count from %1 to %2.")
            .arg(AppSettings::kMinNodes)
            .arg(AppSettings::kMaxNodes));
    say(m_portStatus, port,
        tr("Pick another base port, or stop what holds it. Launch would fail."));
    m_problems->setVisible(!m_nodesProblem.isEmpty() || !port.isEmpty());
    const bool offer = !port.isEmpty() && suggestion != 0;
    m_usePort->setText(tr("Use %1").arg(suggestion));
    m_usePort->setToolTip(tr("Ports %1–%2 are free now")
                              .arg(suggestion)
                              .arg(int(suggestion) + m_workspace.nodes() - 1));
    m_usePort->setVisible(offer);
    const bool stopped = m_workspace.supervisor().state() == FarmState::Stopped;
    m_launch->setEnabled(stopped && m_nodesProblem.isEmpty() && port.isEmpty());
}

} // namespace farmchat
