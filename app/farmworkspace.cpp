#include "app/farmworkspace.h"

#include "app/appsettings.h"
#include "app/farmrooms.h"
#include "app/panesession.h"
#include "app/sentinelwatch.h"
#include "app/sessionlog.h"
#include "launcher/farmnode.h"
#include "launcher/redisclustergroup.h"

#include <QPointer>

#include <algorithm>

namespace farmchat {

FarmWorkspace::FarmWorkspace(QObject *parent)
    : QObject(parent)
    , m_supervisor(std::make_unique<FarmSupervisor>())
    , m_tracker(std::make_unique<DeliveryTracker>())
    , m_session(std::make_unique<SessionLog>(*m_supervisor))
    , m_rooms(std::make_unique<FarmRooms>(*m_supervisor))
    , m_sentinelWatch(std::make_unique<SentinelWatch>(*m_supervisor))
    , m_nodes(AppSettings::kDefaultNodes)
    , m_basePort(AppSettings::kDefaultBasePort)
    , m_mode(AppSettings {}.backplane)
{
    m_clock.start();
    connect(this, &FarmWorkspace::notice, m_session.get(), [this](const QString &text, bool ok) {
        m_session->add(ok ? QStringLiteral("note") : QStringLiteral("error"), text);
    });
    connect(m_rooms.get(), &FarmRooms::changed, this, &FarmWorkspace::syncPaneRooms);
    connect(m_supervisor.get(), &FarmSupervisor::started, this, &FarmWorkspace::onFarmStarted);
    connect(m_supervisor.get(), &FarmSupervisor::stateChanged, this, [this](FarmState state) {
        if (state == FarmState::Stopping) {
            clearPanes();
            m_rooms->reset();
            m_plan.clear();
        }
        m_portCheck.setActive(state == FarmState::Stopped);
    });
    // Before any view hears of a node that came or went: its colour is set.
    connect(m_supervisor.get(), &FarmSupervisor::processAdded, this, &FarmWorkspace::indexNodes);
    connect(m_supervisor.get(), &FarmSupervisor::processRemoved, this, &FarmWorkspace::indexNodes);
    connect(
        m_supervisor.get(), &FarmSupervisor::nodeAddFinished, this, &FarmWorkspace::onNodeAdded);
    connect(m_supervisor.get(), &FarmSupervisor::nodeLeaving, this, &FarmWorkspace::movePanesOff);
    connect(m_supervisor.get(), &FarmSupervisor::nodeRemoveFinished, this,
        [this](int, const QString &name, const Result<void> &removed) {
            onNodeRemoved(name, removed);
        });
    // What the matrix judges a pub/sub miss by: did the pane's node hear
    // the backplane (a partition cuts it off), did anyone hear the room (its
    // cluster shard is down)?
    connect(m_supervisor.get(), &FarmSupervisor::nodeHealthChanged, this,
        &FarmWorkspace::updateCutOffs);
    connect(
        m_supervisor.get(), &FarmSupervisor::processChanged, this, &FarmWorkspace::updateCutOffs);
    connect(m_rooms.get(), &FarmRooms::changed, this, &FarmWorkspace::updateCutOffs);
    // A mode switched by someone else (a scenario's step) is the chosen one too.
    connect(m_supervisor.get(), &FarmSupervisor::backplaneRequestFinished, this,
        [this](BackplaneMode mode, int node, const Result<void> &switched) {
            if (node < 0 && switched && mode != m_mode) {
                m_mode = mode;
                Q_EMIT modeChanged(mode);
            }
        });
    m_portCheck.setPorts(m_basePort, m_nodes);
    m_portCheck.setActive(m_supervisor->state() == FarmState::Stopped);
}

FarmWorkspace::~FarmWorkspace()
{
    // Panes first: their sockets should close before the nodes go.
    clearPanes();
}

PaneSession *FarmWorkspace::pane(int index) const
{
    return index >= 0 && index < paneCount() ? m_panes[size_t(index)].get() : nullptr;
}

void FarmWorkspace::setNodes(int nodes)
{
    if (nodes == m_nodes)
        return;
    m_nodes = nodes;
    m_portCheck.setPorts(m_basePort, m_nodes);
    Q_EMIT nodesChanged(nodes);
}

void FarmWorkspace::setBasePort(quint16 port)
{
    if (port == m_basePort)
        return;
    m_basePort = port;
    m_portCheck.setPorts(m_basePort, m_nodes);
    Q_EMIT basePortChanged(port);
}

void FarmWorkspace::setMode(BackplaneMode mode)
{
    if (mode != m_mode) {
        m_mode = mode;
        Q_EMIT modeChanged(mode);
    }
    if (m_supervisor->state() == FarmState::Running)
        m_supervisor->setBackplane(mode);
}

void FarmWorkspace::setNodeKind(NodeKind kind)
{
    if (kind == m_nodeKind)
        return;
    m_nodeKind = kind;
    Q_EMIT nodeKindChanged(kind);
}

void FarmWorkspace::cycleMode()
{
    BackplaneMode next = m_mode;
    do
        next = BackplaneMode((int(next) + 1) % 3);
    while (!nodeKindSupports(m_nodeKind, next));
    setMode(next);
}

void FarmWorkspace::setLoadBalancer(LbPolicy policy)
{
    if (policy == m_loadBalancer)
        return;
    m_loadBalancer = policy;
    Q_EMIT loadBalancerChanged(policy);
}

void FarmWorkspace::setRedisTopology(RedisTopology topology)
{
    if (topology == m_redisTopology)
        return;
    m_redisTopology = topology;
    Q_EMIT redisTopologyChanged(topology);
}

void FarmWorkspace::setSkipNegotiation(bool skip)
{
    if (skip == m_skipNegotiation)
        return;
    m_skipNegotiation = skip;
    Q_EMIT skipNegotiationChanged(skip);
}

void FarmWorkspace::launch(const FarmConfig &config, QList<PanePlan> plan)
{
    if (m_supervisor->state() == FarmState::Stopped) {
        setNodes(config.nodes);
        if (config.basePort != 0)
            setBasePort(config.basePort);
        setNodeKind(config.nodeKind);
        setMode(config.backplane);
        setLoadBalancer(config.loadBalancer);
        setRedisTopology(config.redisTopology);
    }
    clearPanes();
    m_plan = std::move(plan);
    m_tracker->clear();
    // A scenario played on the last farm may have set its own grace period.
    m_tracker->setGracePeriodMs(DeliveryTracker::kDefaultGraceMs);
    m_supervisor->start(config);
}

void FarmWorkspace::stop()
{
    clearPanes();
    m_supervisor->stop();
}

void FarmWorkspace::setPaneName(int index, const QString &name)
{
    if (index < 0 || index >= AppSettings::kMaxNodes)
        return;
    while (m_paneNames.size() <= index)
        m_paneNames << QString();
    m_paneNames[index] = name;
    if (PaneSession *session = pane(index))
        session->setName(name);
}

QString FarmWorkspace::paneName(int index) const
{
    if (index < m_plan.size())
        return m_plan[index].name;
    const QString name = m_paneNames.value(index);
    return name.isEmpty() ? QStringLiteral("user-%1").arg(index + 1) : name;
}

void FarmWorkspace::onFarmStarted()
{
    createPanes();
    // A mode chosen while the farm was starting.
    if (m_mode != m_supervisor->backplane())
        m_supervisor->setBackplane(m_mode);
}

void FarmWorkspace::createPanes()
{
    clearPanes();
    indexNodes();
    for (int i = 0; i < m_plan.size(); ++i)
        m_panes.push_back(makePane(i, m_plan[i].node, m_plan[i].viaBalancer));
    for (int i = 0; m_plan.isEmpty() && i < m_supervisor->nodeCount(); ++i)
        m_panes.push_back(makePane(i, i, hasBalancer()));
    Q_EMIT panesCreated();
}

void FarmWorkspace::indexNodes()
{
    m_nodeIndex.clear();
    QHash<QString, int> colours;
    for (int i = 0; i < m_supervisor->nodeCount(); ++i) {
        const QString id = m_supervisor->node(i)->name();
        m_nodeIndex.insert(id, i);
        if (m_colours.contains(id))
            colours.insert(id, m_colours.value(id));
    }
    // A node new to the farm takes the first colour no running node has.
    for (int i = 0; i < m_supervisor->nodeCount(); ++i) {
        const QString id = m_supervisor->node(i)->name();
        int slot = 0;
        while (!colours.contains(id)) {
            if (!colours.values().contains(slot))
                colours.insert(id, slot);
            ++slot;
        }
    }
    m_colours = colours;
}

int FarmWorkspace::colourOf(int index) const
{
    const FarmNode *node = m_supervisor->node(index);
    return node ? m_colours.value(node->name(), index) : -1;
}

bool FarmWorkspace::hasBalancer() const
{
    return !m_supervisor->publicUrl().isEmpty();
}

std::unique_ptr<PaneSession> FarmWorkspace::makePane(int index, int node, bool viaBalancer)
{
    // Behind a balancer a pane is a client of its URL, and lands where it sends it.
    const QUrl balancer = m_supervisor->publicUrl();
    PaneRoute route;
    route.viaBalancer = viaBalancer && !balancer.isEmpty();
    // A scenario's panes connect as its headless clients do.
    route.skipNegotiation = m_skipNegotiation && m_plan.isEmpty();
    route.historyOnJoin = m_plan.isEmpty();
    FarmNode *farmNode = m_supervisor->node(node);
    auto session = route.viaBalancer
        ? std::make_unique<PaneSession>(index, QString(), balancer, *m_tracker, route)
        : std::make_unique<PaneSession>(
            index, farmNode->name(), farmNode->url(), *m_tracker, route);
    PaneSession *raw = session.get();
    connect(raw, &PaneSession::messageArrived, this,
        [this, raw](const ChatMessage &message, bool fromHistory) {
            m_rate.add(m_clock.elapsed());
            Q_EMIT messageSeen(nodeIndexOf(message.node), nodeIndexOf(raw->nodeId()), message.via,
                fromHistory, message.id);
        });
    connect(raw, &PaneSession::sending, this,
        [this, index, raw](const QString &localId, const QString &text) {
            Q_EMIT messageSending(index, localId, raw->name() + QStringLiteral(": ") + text);
        });
    connect(raw, &PaneSession::accepted, this,
        [this, index, raw](const QString &id, const QString &text) {
            Q_EMIT messageSent(index, id, raw->name() + QStringLiteral(": ") + text);
        });
    session->setName(paneName(index));
    m_rooms->joinAll(*session); // applied once it connects
    m_tracker->setPaneRooms(session->paneId(), m_rooms->names());
    session->start();
    return session;
}

bool FarmWorkspace::canAddNode() const
{
    return m_supervisor->state() == FarmState::Running
        && m_supervisor->nodeCount() < AppSettings::kMaxNodes
        && paneCount() < AppSettings::kMaxNodes;
}

void FarmWorkspace::addNode()
{
    if (!canAddNode()) {
        Q_EMIT notice(tr("✕ No node added: a running farm has at most %1 nodes here")
                          .arg(AppSettings::kMaxNodes),
            false);
        return;
    }
    m_supervisor->addNode();
}

void FarmWorkspace::removeNode(int index)
{
    m_supervisor->removeNode(index);
}

void FarmWorkspace::onNodeAdded(int node, const Result<void> &added)
{
    indexNodes();
    setNodes(m_supervisor->nodeCount());
    if (!added) {
        Q_EMIT notice(tr("✕ No node added: %1").arg(added.error()), false);
        return;
    }
    QString text = tr("%1 joined the farm").arg(m_supervisor->node(node)->name());
    if (paneCount() < AppSettings::kMaxNodes) {
        const int index = paneCount();
        m_panes.push_back(makePane(index, node, hasBalancer()));
        Q_EMIT paneAdded(index);
        text += tr(" with a pane for %1").arg(paneName(index));
    }
    Q_EMIT notice(text, true);
}

void FarmWorkspace::movePanesOff(int leaving)
{
    if (hasBalancer())
        return; // the balancer cuts them off, and they reconnect through it
    const QString leavingId = m_supervisor->node(leaving)->name();
    for (const auto &session : m_panes) {
        if (session->nodeId() != leavingId)
            continue;
        // The node with the fewest panes takes it.
        int target = -1;
        int fewest = 0;
        for (int i = 0; i < m_supervisor->nodeCount(); ++i) {
            if (i == leaving)
                continue;
            const QString id = m_supervisor->node(i)->name();
            const int panes = int(std::count_if(m_panes.cbegin(), m_panes.cend(),
                [&id](const auto &pane) { return pane->nodeId() == id; }));
            if (target < 0 || panes < fewest) {
                target = i;
                fewest = panes;
            }
        }
        if (target >= 0)
            session->moveTo(m_supervisor->node(target)->name(), m_supervisor->node(target)->url());
    }
}

void FarmWorkspace::onNodeRemoved(const QString &name, const Result<void> &removed)
{
    indexNodes();
    setNodes(m_supervisor->nodeCount());
    Q_EMIT notice(removed ? tr("%1 left the farm").arg(name)
                          : tr("✕ %1 did not leave: %2").arg(name, removed.error()),
        bool(removed));
}

void FarmWorkspace::clearPanes()
{
    if (m_panes.empty())
        return;
    Q_EMIT panesAboutToClear();
    for (const auto &session : m_panes)
        session->stop();
    // Views may hold pointers into the sessions until they hear panesCleared().
    std::vector<std::unique_ptr<PaneSession>> gone;
    gone.swap(m_panes);
    Q_EMIT panesCleared();
}

Result<void> FarmWorkspace::sendFrom(int index, const QString &text, const QString &room)
{
    PaneSession *session = pane(index);
    if (!session)
        return Result<void>::failure(tr("pane %1 is not open").arg(index + 1));
    QList<PaneSession *> panes;
    for (const auto &each : m_panes)
        panes << each.get();
    QPointer<PaneSession> sender(session);
    return m_rooms->use(room, panes, [this, index, sender, text, room] {
        if (!sender)
            return;
        // The mode promised is that of the node the pane is on (behind a
        // balancer, not necessarily the node of the same index).
        const int node = nodeIndexOf(sender->nodeId());
        sender->send(
            text, node >= 0 ? m_supervisor->nodeBackplane(node) : m_supervisor->backplane(), room);
        m_rooms->countSent(room);
        Q_EMIT paneSent(index, room);
    });
}

void FarmWorkspace::setNodeBackplaneOff(int index, bool off)
{
    m_supervisor->setNodeBackplane(index, off ? BackplaneMode::Off : m_supervisor->backplane());
}

void FarmWorkspace::setPartitioned(int index, bool partitioned)
{
    const FarmLinks *links = m_supervisor->links();
    LinkFault fault = links ? links->fault(index, NodeLink::Redis) : LinkFault {};
    fault.partitioned = partitioned;
    if (const Result<void> set = m_supervisor->setLinkFault(index, NodeLink::Redis, fault); !set)
        Q_EMIT notice(tr("✕ %1").arg(set.error()), false);
}

bool FarmWorkspace::isPartitioned(int index) const
{
    const FarmLinks *links = m_supervisor->links();
    return links && links->fault(index, NodeLink::Redis).partitioned;
}

bool FarmWorkspace::isNodeBackplaneOff(int index) const
{
    return index >= 0 && index < m_supervisor->nodeCount()
        && m_supervisor->nodeBackplane(index) == BackplaneMode::Off
        && m_supervisor->backplane() != BackplaneMode::Off;
}

void FarmWorkspace::clearMatrix()
{
    m_tracker->clear();
    for (const auto &session : m_panes)
        m_tracker->addPane(session->paneId(), session->nodeId(), m_rooms->names());
    updateCutOffs();
}

void FarmWorkspace::updateCutOffs()
{
    const FarmSupervisor &farm = *m_supervisor;
    for (int i = 0; i < farm.nodeCount(); ++i)
        m_tracker->setNodeCutOff(farm.node(i)->name(), farm.isNodeCutOff(i));
    // Streams holds a down shard's messages back and delivers them later:
    // nothing to excuse there, a miss is a miss.
    const bool shardLosesMessages = farm.backplane() == BackplaneMode::PubSub;
    for (const QString &room : m_rooms->names())
        m_tracker->setRoomCutOff(
            room, shardLosesMessages && !m_rooms->shardTrouble(room).isEmpty());
}

void FarmWorkspace::syncPaneRooms()
{
    // Every pane joins every room in use: the matrix expects each of them.
    for (const auto &session : m_panes)
        m_tracker->setPaneRooms(session->paneId(), m_rooms->names());
}

double FarmWorkspace::messagesPerSecond() const
{
    return m_rate.perSecond(m_clock.elapsed());
}

} // namespace farmchat
