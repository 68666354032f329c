#include "app/sessionrecorder.h"

#include "app/farmrooms.h"
#include "app/farmworkspace.h"
#include "app/panesession.h"
#include "client/deliverytracker.h"
#include "client/deliveryverdict.h"
#include "launcher/farmflags.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"
#include "launcher/scenario.h"
#include "protocol/chatmessage.h"

#include <QJsonDocument>
#include <QRegularExpression>

#include <algorithm>

namespace farmchat {

namespace {

QString verbOf(ProcessAction action)
{
    switch (action) {
    case ProcessAction::Kill:
        return QStringLiteral("kill");
    case ProcessAction::Stop:
        return QStringLiteral("stop");
    case ProcessAction::Restart:
        return QStringLiteral("restart");
    case ProcessAction::Pause:
        return QStringLiteral("pause");
    case ProcessAction::Resume:
        return QStringLiteral("resume");
    }
    return {};
}

// The scenario op that does `action` to process `index`; empty when none
// does. Nodes are known by their index at launch (`nodes`, their names).
QJsonObject opFor(
    const FarmSupervisor &farm, const QStringList &nodes, int index, ProcessAction action)
{
    const QString verb = verbOf(action);
    for (int i = 0; i < farm.nodeCount(); ++i) {
        if (farm.indexOf(farm.node(i)->process()) != index)
            continue;
        const int atLaunch = int(nodes.indexOf(farm.node(i)->name()));
        if (atLaunch < 0)
            return {};
        return {{"op", QString(verb + QStringLiteral("-node"))}, {"node", atLaunch}};
    }
    if (const RedisClusterGroup *cluster = farm.cluster()) {
        for (int shard = 0; shard < cluster->shardCount(); ++shard) {
            if (farm.processIndexOfShard(shard, false) == index)
                return {{"op", QString(verb + QStringLiteral("-shard"))}, {"shard", shard}};
            if (farm.processIndexOfShard(shard, true) == index)
                return {{"op", QString(verb + QStringLiteral("-shard"))}, {"shard", shard},
                    {"replica", true}};
        }
        return {};
    }
    if (farm.redis() && farm.indexOf(farm.redis()->process()) == index)
        return {{"op", QString(verb + QStringLiteral("-redis"))}};
    return {};
}

// A pane's name as a scenario client's (a room-like name), unique among `taken`.
QString clientName(const QString &paneName, int index, const QStringList &taken)
{
    QString name = paneName;
    name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]")), QStringLiteral("-"));
    if (name.isEmpty() || !checkRoomName(name))
        name = QStringLiteral("pane-%1").arg(index + 1);
    const QString base = name;
    for (int n = 2; taken.contains(name); ++n)
        name = QStringLiteral("%1-%2").arg(base).arg(n);
    return name;
}

} // namespace

SessionRecorder::SessionRecorder(FarmWorkspace &workspace, QObject *parent)
    : QObject(parent), m_workspace(workspace)
{
    FarmSupervisor &farm = workspace.supervisor();
    connect(&farm, &FarmSupervisor::stateChanged, this, [this](FarmState state) {
        if (state == FarmState::Starting)
            onStarting();
    });
    connect(&workspace, &FarmWorkspace::panesCreated, this, &SessionRecorder::onPanesCreated);
    connect(&workspace, &FarmWorkspace::paneSent, this, &SessionRecorder::onSent);
    connect(&farm, &FarmSupervisor::backplaneRequestFinished, this, &SessionRecorder::onBackplane);
    connect(&farm, &FarmSupervisor::processActionRequested, this, &SessionRecorder::onAction);
    connect(&farm, &FarmSupervisor::linkFaultChanged, this,
        [this] { skip(tr("link faults (the Links dock)")); });
    connect(&farm, &FarmSupervisor::lbRequestFinished, this,
        [this] { skip(tr("the balancer's drain and maintenance")); });
    connect(&farm, &FarmSupervisor::nodeAddFinished, this,
        [this] { skip(tr("adding and removing nodes")); });
    connect(&farm, &FarmSupervisor::nodeRemoveFinished, this,
        [this] { skip(tr("adding and removing nodes")); });
}

void SessionRecorder::onStarting()
{
    m_active = false;
    m_recorded = 0;
    m_recordedSends = 0;
    m_waitedMs = 0;
    m_clientNames.clear();
    m_clients = {};
    m_steps = {};
    m_rooms = QStringList {QString(ChatClient::kLobby)};
    m_notRecorded.clear();
}

void SessionRecorder::onPanesCreated()
{
    if (m_workspace.hasPanePlan()) {
        // Its own file replays it; what the window adds to it is not a session.
        m_notRecorded << tr("a scenario played in the window (its file replays it)");
        return;
    }
    m_farm = farmObject(); // the running farm's
    m_nodeNames.clear();
    for (int i = 0; i < m_workspace.supervisor().nodeCount(); ++i)
        m_nodeNames << m_workspace.supervisor().node(i)->name();
    m_clock.start();
    m_lastStepMs = 0;
    for (int i = 0; i < m_workspace.paneCount(); ++i) {
        const PaneSession *pane = m_workspace.pane(i);
        const QString name = clientName(pane->name(), i, m_clientNames);
        m_clientNames << name;
        QJsonObject client {{"name", name}};
        if (pane->route().viaBalancer)
            client.insert(QStringLiteral("via"), QStringLiteral("balancer"));
        else
            client.insert(QStringLiteral("node"), m_workspace.nodeIndexOf(pane->nodeId()));
        m_clients.append(client);
    }
    m_active = m_workspace.paneCount() > 0;
    if (m_workspace.skipNegotiation())
        skip(tr("panes that skip negotiation (a replay negotiates)"));
}

void SessionRecorder::onSent(int pane, const QString &room)
{
    if (!m_active)
        return;
    if (pane >= m_clientNames.size())
        return skip(tr("messages from panes of nodes added later"));
    if (!m_rooms.contains(room))
        m_rooms << room;
    ++m_recordedSends;
    // One message, at once: a send step of count 1 at the fastest rate.
    addStep({{"send",
        QJsonObject {
            {"from", m_clientNames[pane]}, {"room", room}, {"count", 1}, {"rate", 1000}}}});
}

void SessionRecorder::onBackplane(BackplaneMode mode, int node, const Result<void> &switched)
{
    if (!m_active || !switched)
        return;
    if (node < 0)
        return addStep({{"op", QStringLiteral("set-backplane")}, {"mode", modeName(mode)}});
    const FarmNode *switchedNode = m_workspace.supervisor().node(node);
    const int atLaunch = switchedNode ? int(m_nodeNames.indexOf(switchedNode->name())) : -1;
    if (atLaunch < 0)
        return skip(tr("switches of nodes added later"));
    addStep({{"op", QStringLiteral("set-node-backplane")}, {"node", atLaunch},
        {"mode", modeName(mode)}});
}

void SessionRecorder::onAction(int index, ProcessAction action)
{
    if (!m_active)
        return;
    const QJsonObject op = opFor(m_workspace.supervisor(), m_nodeNames, index, action);
    if (op.isEmpty()) {
        const ManagedProcess *process = m_workspace.supervisor().process(index);
        return skip(tr("%1 %2").arg(
            verbOf(action), process ? process->name() : QStringLiteral("process %1").arg(index)));
    }
    addStep(op);
}

void SessionRecorder::addStep(const QJsonObject &step)
{
    // Room for a wait before it and the final wait after all.
    if (m_steps.size() + 3 > Scenario::kMaxSteps)
        return skip(tr("anything after the first %1 steps").arg(Scenario::kMaxSteps));
    const qint64 now = m_clock.elapsed();
    // A long pause replays as kMaxIdleMs: nothing happened meanwhile.
    const qint64 gap = std::min<qint64>(now - m_lastStepMs, kMaxIdleMs);
    if (gap >= 10)
        m_steps.append(QJsonObject {{"wait", QJsonObject {{"ms", gap}}}});
    m_waitedMs += gap;
    m_steps.append(step);
    m_lastStepMs = now;
    ++m_recorded;
}

void SessionRecorder::skip(const QString &what)
{
    if (m_active && !m_notRecorded.contains(what))
        m_notRecorded << what;
}

QJsonObject SessionRecorder::farmObject() const
{
    const FarmConfig &config = m_workspace.supervisor().config();
    QJsonObject farm {{"nodes", config.nodes}, {"backplane", modeName(config.backplane)}};
    if (config.nodeKind != NodeKind::FarmChat)
        farm.insert(QStringLiteral("node-kind"), nodeKindName(config.nodeKind));
    if (config.loadBalancer != LbPolicy::None)
        farm.insert(QStringLiteral("lb"), lbPolicyName(config.loadBalancer));
    if (config.redisTopology != RedisTopology::Single)
        farm.insert(QStringLiteral("redis-topology"), redisTopologyName(config.redisTopology));
    if (config.redisTopology == RedisTopology::Cluster) {
        farm.insert(QStringLiteral("redis-shards"), config.redisShards);
        farm.insert(QStringLiteral("redis-replicas"), config.redisReplicas);
    }
    if (config.redisTopology == RedisTopology::Sentinel)
        farm.insert(QStringLiteral("sentinel-down-after"), config.sentinelDownAfterMs);
    if (config.linkFaults)
        farm.insert(QStringLiteral("link-faults"), true);
    if (config.redisMaxMemoryBytes != RedisConfig::kDefaultMaxMemoryBytes)
        farm.insert(QStringLiteral("redis-maxmemory"),
            FarmFlags::formatMemorySize(config.redisMaxMemoryBytes));
    return farm;
}

QJsonArray SessionRecorder::expectations() const
{
    QJsonArray expect;
    // The window's counts are the session's only when its matrix holds
    // exactly the recorded messages (not cleared, none from elsewhere).
    if (m_workspace.tracker().rowCount() != m_recordedSends)
        return expect;
    for (const BackplaneMode mode :
        {BackplaneMode::Off, BackplaneMode::PubSub, BackplaneMode::Streams}) {
        const DeliveryVerdict seen = judgeDeliveries(m_workspace.tracker(), mode);
        if (seen.messages > 0)
            expect.append(QJsonObject {{"mode", modeName(mode)}, {"messages", seen.messages},
                {"promiseKept", seen.promiseKept()}});
    }
    return expect;
}

Result<QByteArray> SessionRecorder::scenarioJson(const QString &name) const
{
    if (!m_active && m_workspace.hasPanePlan())
        return Result<QByteArray>::failure(
            tr("this farm plays a scenario: its own file replays it"));
    if (!m_active)
        return Result<QByteArray>::failure(tr("no farm has run yet: launch one, then save"));
    if (m_recorded == 0)
        return Result<QByteArray>::failure(
            tr("nothing to save yet: send a message or break something first"));
    QJsonArray clients;
    for (const QJsonValue &client : m_clients) {
        QJsonObject withRooms = client.toObject();
        withRooms.insert(QStringLiteral("rooms"), QJsonArray::fromStringList(m_rooms));
        clients.append(withRooms);
    }
    QJsonArray steps = m_steps;
    steps.append(QJsonObject {{"wait", QJsonObject {{"until", QStringLiteral("settled")}}}});
    const QJsonArray expect = expectations();
    QString description = tr("Recorded in the FarmChat app: %1 steps.").arg(m_recorded);
    if (expect.isEmpty() && m_recordedSends > 0)
        description += tr(" No expectations: the window's matrix was cleared or holds messages "
                          "that were not recorded.");
    if (!m_notRecorded.isEmpty())
        description += tr(" Not recorded: %1.").arg(m_notRecorded.join(QStringLiteral("; ")));
    // The replay's limit: its waits, each step's own time and the settling, with room to spare.
    const qint64 timeoutMs = std::min<qint64>(
        3 * Scenario::kMaxWaitMs, m_waitedMs + 2000 * qint64(m_recorded) + 120000);
    const QJsonObject scenario {{"farmchat-scenario", Scenario::kSchemaVersion}, {"name", name},
        {"description", description}, {"farm", m_farm}, {"clients", clients}, {"steps", steps},
        {"expect", expect}, {"timeoutMs", timeoutMs}};
    return QJsonDocument(scenario).toJson(QJsonDocument::Indented);
}

} // namespace farmchat
