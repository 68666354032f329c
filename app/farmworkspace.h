#pragma once

#include "app/portcheck.h"
#include "app/ratemeter.h"
#include "client/chatclient.h"
#include "client/deliverytracker.h"
#include "launcher/farmconfig.h"
#include "launcher/farmsupervisor.h"
#include "protocol/chatmessage.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QStringList>

#include <memory>
#include <vector>

namespace farmchat {

class FarmRooms;
class PaneSession;
class SentinelWatch;
class SessionLog;
struct AppSettings;

// Everything the desktop app runs, without a widget: the farm (FarmSupervisor),
// one PaneSession per node while the farm runs, the DeliveryTracker they all
// feed, and the arrival rate. It is also the one owner of what the user
// chooses for the farm (node count, base port, kind of node, backplane mode) and of the
// check that those ports are free: views send the user's edits here and show
// what the change signals announce. The load balancer and skip negotiation
// are its too. MainWindow and its views only display it
// and call its operations; the GUI tests drive it the same way.
class FarmWorkspace : public QObject
{
    Q_OBJECT
public:
    // A pane a scenario asks for instead of one per node: its name, and its
    // node (0-based) or the load balancer.
    struct PanePlan
    {
        QString name;
        int node = 0;
        bool viaBalancer = false;
    };

    explicit FarmWorkspace(QObject *parent = nullptr);
    ~FarmWorkspace() override;

    FarmSupervisor &supervisor() { return *m_supervisor; }
    DeliveryTracker &tracker() { return *m_tracker; }
    // What happened this session, for File → Export session.
    SessionLog &session() { return *m_session; }
    // Roles and quorum of a Sentinel farm's Redis (idle otherwise).
    SentinelWatch &sentinelWatch() { return *m_sentinelWatch; }

    int paneCount() const { return int(m_panes.size()); }
    PaneSession *pane(int index) const;
    // Node index of a node id ("node-9090"); -1 when not in this farm.
    int nodeIndexOf(const QString &nodeId) const { return m_nodeIndex.value(nodeId, -1); }
    // The colour (nodepalette) of node `index`, or of a node id: a node keeps
    // its colour while it runs, so one that leaves does not recolour the
    // others; -1 for a node not in this farm.
    int colourOf(int index) const;
    int colourOf(const QString &nodeId) const { return colourOf(nodeIndexOf(nodeId)); }

    // What the next launch starts. No range checks here: the views offer
    // only valid values, and launch's caller validates the config.
    int nodes() const { return m_nodes; }
    quint16 basePort() const { return m_basePort; }
    void setNodes(int nodes);
    void setBasePort(quint16 port);
    // The private Redis's memory cap for the next launch (0: none).
    void setRedisMaxMemoryBytes(qint64 bytes) { m_redisMaxMemoryBytes = bytes; }
    // The nodes' server for the next launch (farmchat-node or the ASP.NET
    // Core node); a running farm keeps the one it started with.
    NodeKind nodeKind() const { return m_nodeKind; }
    void setNodeKind(NodeKind kind);
    // The chosen backplane mode: the next launch's, and the running farm's.
    BackplaneMode mode() const { return m_mode; }
    // While the farm runs it switches live (panes stay connected), even to
    // the mode it has, which puts cut-off nodes back on; chosen while it
    // starts, it is switched to once the farm runs.
    void setMode(BackplaneMode mode);
    // off → pub/sub → streams → off, past what the kind of node does not have.
    void cycleMode();
    // The load balancer of the next launch (none: each pane on its own
    // node); a running farm keeps the one it started with.
    LbPolicy loadBalancer() const { return m_loadBalancer; }
    void setLoadBalancer(LbPolicy policy);
    // The Redis of the next launch: one server, or a primary, a replica and
    // three Sentinels; a running farm keeps the one it started with.
    RedisTopology redisTopology() const { return m_redisTopology; }
    void setRedisTopology(RedisTopology topology);
    // Whether the next panes skip negotiation (WebSocket at once, no
    // POST /negotiate): what makes a balancer without stickiness work.
    bool skipNegotiation() const { return m_skipNegotiation; }
    void setSkipNegotiation(bool skip);
    // Takes the farm choices and pane names from `settings`, or stores them there.
    void applySettings(const AppSettings &settings);
    void storeSettings(AppSettings &settings) const;
    // A farm of the chosen node count, base port, kind of node, mode, Redis and load balancer.
    FarmConfig farmConfig() const;
    // Whether the chosen ports are free; checks only while the farm is stopped.
    const PortCheck &portCheck() const { return m_portCheck; }
    PortCheck &portCheck() { return m_portCheck; }

    // Starts a farm; its node count, base port and mode become the chosen
    // ones, so the views show what runs. Panes appear when it is up
    // (panesCreated()).
    // `plan` empty: a pane per node; otherwise these panes (a scenario's
    // clients), named as planned, until the farm stops. A base port of 0
    // (free ports) leaves the chosen one as it is.
    void launch(const FarmConfig &config, QList<PanePlan> plan = {});
    bool hasPanePlan() const { return !m_plan.isEmpty(); }
    // Stops panes, then the farm; panesCleared() and the supervisor's stopped() follow.
    void stop();
    // Name pane `index` uses (now, and the next time it is created).
    void setPaneName(int index, const QString &name);
    QString paneName(int index) const;

    // Sends `text` from pane `index` to `room`; a room not in use yet is
    // first joined by every pane (FarmRooms). An error names what is wrong
    // with the room, and nothing is sent.
    Result<void> sendFrom(int index, const QString &text, const QString &room = ChatClient::kLobby);
    FarmRooms &rooms() { return *m_rooms; }
    const FarmRooms &rooms() const { return *m_rooms; }
    // Switches node `index`'s backplane off, or back to the farm's mode.
    void setNodeBackplaneOff(int index, bool off);
    bool isNodeBackplaneOff(int index) const;
    // Partitions node `index`'s Redis link (link proxies only), its other
    // faults kept, or heals the partition; failures go to the status bar.
    void setPartitioned(int index, bool partitioned);
    bool isPartitioned(int index) const;
    // Scaling the running farm (FarmSupervisor::addNode, removeNode): a node
    // that joins gets a pane (on it, or through the balancer) while the farm
    // has fewer than AppSettings::kMaxNodes; without a balancer the panes of
    // a leaving node move to the node with the fewest panes and catch up
    // there. notice() says how it went.
    bool canAddNode() const;
    void addNode();
    void removeNode(int index);
    // Empties the delivery matrix; the panes stay its columns.
    void clearMatrix();

    // Arrivals per second over all panes, the last second.
    double messagesPerSecond() const;
    quint64 messagesTotal() const { return m_rate.total(); }

Q_SIGNALS:
    void nodesChanged(int nodes);
    void basePortChanged(quint16 port);
    void modeChanged(farmchat::BackplaneMode mode);
    void nodeKindChanged(farmchat::NodeKind kind);
    void loadBalancerChanged(farmchat::LbPolicy policy);
    void skipNegotiationChanged(bool skip);
    void redisTopologyChanged(farmchat::RedisTopology topology);
    // Pane `pane` sent message `id`; `label` is "name: text" for the matrix.
    void messageSent(int pane, const QString &id, const QString &label);
    // Pane `pane` sent a message the node has not answered yet; it is known
    // by `localId` until messageSent() gives its id.
    void messageSending(int pane, const QString &localId, const QString &label);
    void panesCreated();
    // sendFrom() sent from pane `pane` to `room` (the user, or the guided demo).
    void paneSent(int pane, const QString &room);
    // A pane was added (its node joined the running farm); the others stay as they are.
    void paneAdded(int index);
    // Something for the status bar, in a sentence: how an addNode() or
    // removeNode() went, a partition that could not be set.
    void notice(const QString &text, bool ok);
    void panesAboutToClear();
    void panesCleared();
    // Pane `atNode` got a message sent on `originNode` (-1: a node not in
    // this farm), arriving `via`; the topology animates these.
    void messageSeen(
        int originNode, int atNode, farmchat::Via via, bool fromHistory, const QString &id);

private:
    void onFarmStarted();
    void createPanes();
    void indexNodes();
    // Pane `index`, on node `node` or on the balancer.
    std::unique_ptr<PaneSession> makePane(int index, int node, bool viaBalancer);
    bool hasBalancer() const;
    void onNodeAdded(int node, const Result<void> &added);
    void movePanesOff(int leaving);
    void onNodeRemoved(const QString &name, const Result<void> &removed);
    void clearPanes();
    void syncPaneRooms();
    void updateCutOffs();

    PortCheck m_portCheck; // before the supervisor: its state changes reach the check
    std::unique_ptr<FarmSupervisor> m_supervisor;
    std::unique_ptr<DeliveryTracker> m_tracker;
    std::unique_ptr<SessionLog> m_session;
    std::unique_ptr<FarmRooms> m_rooms;
    std::unique_ptr<SentinelWatch> m_sentinelWatch;
    std::vector<std::unique_ptr<PaneSession>> m_panes;
    QHash<QString, int> m_nodeIndex;
    QHash<QString, int> m_colours; // node id -> colour slot
    QStringList m_paneNames;
    QList<PanePlan> m_plan; // this farm's panes, when a scenario chose them
    int m_nodes;
    quint16 m_basePort;
    qint64 m_redisMaxMemoryBytes = RedisConfig::kDefaultMaxMemoryBytes;
    BackplaneMode m_mode;
    NodeKind m_nodeKind = NodeKind::FarmChat;
    LbPolicy m_loadBalancer = LbPolicy::None;
    RedisTopology m_redisTopology = RedisTopology::Single;
    bool m_skipNegotiation = false;
    RateMeter m_rate;
    QElapsedTimer m_clock;
};

} // namespace farmchat
