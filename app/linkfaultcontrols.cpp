#include "app/linkfaultcontrols.h"

#include "app/elidedlabel.h"
#include "app/farmworkspace.h"
#include "launcher/farmnode.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace farmchat {

namespace {

QSpinBox *spin(QWidget *parent, int max, const QString &suffix, const QString &tip)
{
    auto *box = new QSpinBox(parent);
    box->setRange(0, max);
    box->setSuffix(suffix);
    box->setToolTip(tip);
    box->setAccessibleName(tip);
    // Applies on Enter, arrows or leaving the field, not on every digit typed.
    box->setKeyboardTracking(false);
    return box;
}

QString linkLabel(NodeLink link)
{
    return link == NodeLink::Redis ? LinkFaultControls::tr("→ Redis")
                                   : LinkFaultControls::tr("← balancer");
}

} // namespace

LinkFaultControls::LinkFaultControls(FarmWorkspace &workspace, QWidget *parent)
    : QWidget(parent)
    , m_workspace(workspace)
    , m_heading(new QLabel(tr("Links"), this))
    , m_node(new QComboBox(this))
    , m_link(new QComboBox(this))
    , m_latency(spin(this, 60000, tr(" ms"), tr("Added delay, each way")))
    , m_jitter(spin(this, 60000, tr(" ms"),
          tr("Jitter: each chunk delayed up to this much more "
             "or less (order kept)")))
    , m_bandwidth(spin(this, 1048576, tr(" KiB/s"), tr("Bandwidth cap, each way (0: none)")))
    , m_partition(new QCheckBox(tr("Partition"), this))
    , m_reset(new QPushButton(tr("Reset"), this))
    , m_heal(new QPushButton(tr("Heal"), this))
    , m_summary(new ElidedLabel(this))
{
    QFont bold = m_heading->font();
    bold.setBold(true);
    m_heading->setFont(bold);
    m_bandwidth->setSpecialValueText(tr("no cap"));
    m_jitter->setPrefix(QStringLiteral("± "));
    m_node->setAccessibleName(tr("Node whose link to fault"));
    m_link->setAccessibleName(tr("Which link of the node"));
    m_partition->setToolTip(
        tr("Bytes stop both ways, connections stay open (a half-open link): the node notices "
           "only by its own liveness checks. Heal delivers what was held, in order."));
    m_reset->setToolTip(tr("Cut the link's open connections with a TCP reset"));
    m_heal->setToolTip(tr("Remove every fault from this link"));

    auto *controls = new QHBoxLayout;
    for (QWidget *w : std::initializer_list<QWidget *> {m_heading, m_node, m_link, m_latency,
             m_jitter, m_bandwidth, m_partition, m_reset, m_heal})
        controls->addWidget(w);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_summary); // every faulted link, under the controls

    connect(m_node, &QComboBox::activated, this, &LinkFaultControls::showChosenFault);
    connect(m_link, &QComboBox::activated, this, &LinkFaultControls::showChosenFault);
    for (QSpinBox *box : {m_latency, m_jitter, m_bandwidth})
        connect(box, &QSpinBox::valueChanged, this, &LinkFaultControls::apply);
    connect(m_partition, &QCheckBox::toggled, this, &LinkFaultControls::apply);
    connect(m_heal, &QPushButton::clicked, this, [this] {
        report(m_workspace.supervisor().setLinkFault(chosenNode(), chosenLink(), LinkFault {}));
    });
    connect(m_reset, &QPushButton::clicked, this,
        [this] { report(m_workspace.supervisor().resetLink(chosenNode(), chosenLink())); });

    FarmSupervisor &farm = workspace.supervisor();
    connect(&farm, &FarmSupervisor::processesCleared, this, &LinkFaultControls::rebuildChoices);
    connect(&farm, &FarmSupervisor::processAdded, this, &LinkFaultControls::rebuildChoices);
    connect(&farm, &FarmSupervisor::processRemoved, this, &LinkFaultControls::rebuildChoices);
    connect(&farm, &FarmSupervisor::stateChanged, this, &LinkFaultControls::rebuildChoices);
    connect(&farm, &FarmSupervisor::linkFaultChanged, this, &LinkFaultControls::refresh);
    rebuildChoices();
}

void LinkFaultControls::rebuildChoices()
{
    FarmSupervisor &farm = m_workspace.supervisor();
    const int node = m_node->currentIndex();
    const int link = m_link->currentIndex();
    m_node->clear();
    for (int i = 0; i < farm.nodeCount(); ++i)
        m_node->addItem(farm.node(i)->name(), i);
    m_link->clear();
    m_link->addItem(linkLabel(NodeLink::Redis), int(NodeLink::Redis));
    if (farm.loadBalancer())
        m_link->addItem(linkLabel(NodeLink::Balancer), int(NodeLink::Balancer));
    // The same node and link as before where they still exist (none: -1).
    m_node->setCurrentIndex(qMin(qMax(0, node), m_node->count() - 1));
    m_link->setCurrentIndex(qMin(qMax(0, link), m_link->count() - 1));
    refresh();
}

int LinkFaultControls::chosenNode() const
{
    return m_node->currentData().isValid() ? m_node->currentData().toInt() : -1;
}

NodeLink LinkFaultControls::chosenLink() const
{
    return NodeLink(m_link->currentData().toInt());
}

LinkFault LinkFaultControls::faultFromControls() const
{
    DirectionFault each;
    each.latencyMs = m_latency->value();
    each.jitterMs = qMin(m_jitter->value(), each.latencyMs);
    each.bytesPerSecond = qint64(m_bandwidth->value()) * 1024;
    LinkFault fault;
    fault.up = each;
    fault.down = each;
    fault.partitioned = m_partition->isChecked();
    return fault;
}

void LinkFaultControls::showChosenFault()
{
    const FarmLinks *links = m_workspace.supervisor().links();
    const LinkFault fault = links ? links->fault(chosenNode(), chosenLink()) : LinkFault {};
    m_showing = true;
    m_latency->setValue(fault.up.latencyMs);
    m_jitter->setMaximum(qMax(0, fault.up.latencyMs));
    m_jitter->setValue(fault.up.jitterMs);
    m_bandwidth->setValue(int(fault.up.bytesPerSecond / 1024));
    m_partition->setChecked(fault.partitioned);
    m_showing = false;
}

void LinkFaultControls::apply()
{
    if (m_showing)
        return;
    m_jitter->setMaximum(m_latency->value()); // jitter never exceeds the latency
    report(m_workspace.supervisor().setLinkFault(chosenNode(), chosenLink(), faultFromControls()));
}

void LinkFaultControls::report(const Result<void> &done)
{
    if (!done)
        m_summary->setText(QStringLiteral("✕ ") + done.error());
}

void LinkFaultControls::refresh()
{
    FarmSupervisor &farm = m_workspace.supervisor();
    const bool running = farm.state() == FarmState::Running;
    const bool hasLinks = farm.links() != nullptr && running;
    for (QWidget *w : std::initializer_list<QWidget *> {
             m_node, m_link, m_latency, m_jitter, m_bandwidth, m_partition, m_reset, m_heal})
        w->setEnabled(hasLinks && m_node->count() > 0);
    showChosenFault();
    m_summary->setText(summaryText());
}

QString LinkFaultControls::summaryText() const
{
    FarmSupervisor &farm = m_workspace.supervisor();
    if (farm.state() != FarmState::Running)
        return {};
    const FarmLinks *links = farm.links();
    if (!links)
        return farm.sentinels()
            ? tr("no link faults with Sentinel: the nodes reach whichever server the Sentinels "
                 "name, past any proxy")
            : tr("this farm runs without link proxies");
    QStringList faulted;
    for (int i = 0; i < farm.nodeCount(); ++i) {
        for (const NodeLink link : {NodeLink::Redis, NodeLink::Balancer}) {
            const LinkFault fault = links->fault(i, link);
            if (!fault.isHealthy())
                faulted << QStringLiteral("%1 %2: %3")
                               .arg(farm.node(i)->name(), linkLabel(link), fault.summary());
        }
    }
    return faulted.isEmpty() ? tr("every link healthy") : faulted.join(QStringLiteral("; "));
}

} // namespace farmchat
