#pragma once

#include "core/result.h"
#include "launcher/farmconfig.h"
#include "launcher/farmlinks.h"
#include "launcher/farmstate.h"
#include "launcher/haproxyinstance.h"
#include "launcher/processaction.h"
#include "launcher/processstate.h"
#include "protocol/backplanemode.h"

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>
#include <QUrl>

#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace farmchat {

class FarmNode;
class HaproxyInstance;
class ManagedProcess;
class NodeHttpClient;
class ProcessGuard;
class RedisInstance;
class RedisClusterGroup;
class SentinelGroup;
class CrashRestarter;
class ExternalRedisCheck;
struct RedisUrl;

// The farm as a model: one private redis-server (or an existing Redis) and N
// farmchat-node processes, with their state, ports, pids, exit reasons, logs
// and what each node's /health says, plus the operations a user performs on
// them. The CLI and the desktop app both drive it; nothing in it blocks the
// event loop. Use it from the main thread (children are tied to the thread
// that spawned them).
//
// Processes are numbered for views: index 0 is Redis when the farm runs its
// own, then the nodes in port order, then the load balancer; a node added
// while the farm runs comes last. They stay after stop() so their exit
// reasons and logs can still be read; the next start() replaces them
// (processesCleared(), then processAdded() for each). A node removed while
// the farm runs leaves the numbering (processRemoved(), nodeRemoveFinished()):
// the processes and nodes after it move down by one.
class FarmSupervisor : public QObject
{
    Q_OBJECT
public:
    explicit FarmSupervisor(QObject *parent = nullptr);
    // Kills whatever still runs (call stop() and wait for stopped() first to
    // stop children politely).
    ~FarmSupervisor() override;

    FarmState state() const { return m_state; }
    // The last start()'s config; its backplane is the farm's mode now (setBackplane() changes it).
    const FarmConfig &config() const { return m_config; }
    // The last error of a failed start or operation; empty when none.
    QString lastError() const { return m_lastError; }
    // Wall time from start() to all nodes healthy, of the last good start.
    qint64 startupMs() const { return m_startupMs; }

    int processCount() const { return int(m_processes.size()); }
    ManagedProcess *process(int index) const;
    int indexOf(const ManagedProcess *process) const;

    int nodeCount() const { return int(m_nodes.size()); }
    FarmNode *node(int index) const;
    // Between process and node numbering (-1 when the process is Redis or out of range).
    int processIndexOfNode(int node) const;
    int nodeIndexOfProcess(int processIndex) const;
    // The process of a cluster shard's primary (or its replica); -1 without one.
    int processIndexOfShard(int shard, bool replica) const;
    // Shard `shard`'s server as started: role 0 its primary (the farm's
    // first Redis for shard 0), 1 its replica; nullptr when there is none.
    RedisInstance *shardServer(int shard, int role) const;
    // The cluster shard whose primary (as started) node `index` connects to;
    // -1 without a cluster.
    int nodeShard(int index) const;
    // Healthy and not paused: able to answer.
    bool isProcessServing(int index) const;
    // A cluster shard serves while its primary or (after a failover) its
    // replica does; how many serve now.
    bool isShardServing(int shard) const;
    int shardsServing() const;
    // The mode node `index` was last told to use (the farm's, unless cut off).
    BackplaneMode nodeBackplane(int index) const;
    // Node `index` answers /health but hears nothing from its backplane: its
    // Redis link is down while its mode needs one. On a cluster with a shard
    // down every node says so; that is the shard's rooms' trouble, so it
    // does not count here.
    bool isNodeCutOff(int index) const;
    // Every node answers /health, and each one whose mode needs Redis has its link.
    bool isBackplaneUp() const;
    // The farm's mode: the config's, or the last setBackplane().
    BackplaneMode backplane() const { return m_config.backplane; }

    // nullptr when the farm uses --redis-url (or has not started).
    RedisInstance *redis() const { return m_redis.get(); }
    // The replica and Sentinels of --redis-topology sentinel; nullptr otherwise.
    SentinelGroup *sentinels() const { return m_sentinels.get(); }
    // The other shards (and replicas) of --redis-topology cluster; nullptr otherwise.
    RedisClusterGroup *cluster() const { return m_cluster.get(); }
    // Whether process `index` is paused (setProcessPaused): alive, but answering nothing.
    bool isProcessPaused(int index) const;
    // The load balancer; nullptr without one (--lb none).
    HaproxyInstance *loadBalancer() const { return m_lb.get(); }
    // Where clients connect: the balancer's URL, or empty without one.
    QUrl publicUrl() const;
    // What nodes get as --redis (never carries the password).
    QString redisUrl() const { return m_redisUrl; }
    // The link-fault proxies (--link-faults); nullptr without them.
    FarmLinks *links() const { return m_links.get(); }
    // What node `index` gets as --redis: redisUrl(), or its link proxy's.
    QString nodeRedisUrl(int index) const;
    QString clusterSeeds(int index) const;
    // The per-process log files' directory; empty when none.
    QString logDir() const { return m_config.logDir; }

public Q_SLOTS:
    void start(const farmchat::FarmConfig &config);
    // Nodes first (SIGTERM, SIGKILL after the grace period), then Redis; temp
    // dirs removed; stopped() when everything has ended.
    void stop();

    void stopNode(int index);
    void killNode(int index); // SIGKILL: a fault; not restarted even with keepRunning
    void restartNode(int index); // also starts a stopped or crashed node
    void stopRedis();
    void killRedis();
    void restartRedis(); // same port and password; Redis comes back empty
    // Faults on any process by index (Sentinel farms: the primary, the
    // replica, a Sentinel). killProcess: SIGKILL, not restarted even with
    // keepRunning. setProcessPaused: SIGSTOP, a hang rather than a crash, and
    // SIGCONT again (stop() and restarts resume it first). restartProcessAt:
    // starts it again, whatever it is.
    void killProcess(int index);
    void setProcessPaused(int index, bool paused);
    void restartProcessAt(int index);
    // SIGTERM (SIGKILL after the grace period), resumed first; not restarted
    // even with keepRunning.
    void stopProcessAt(int index);
    // Through the load balancer's runtime API: node `index` takes no new
    // clients (drain), loses its clients too (maint), or takes clients again
    // (ready); lbRequestFinished() follows.
    void setNodeLbAdmin(int index, farmchat::LbServerAdmin state);

    // PUT /admin/backplane on every running node; backplaneRequestFinished() follows.
    void setBackplane(farmchat::BackplaneMode mode);
    // One node only; setNodeBackplane(i, Off) cuts node i off the backplane, and
    // setNodeBackplane(i, backplane()) puts it back on the farm's mode.
    void setNodeBackplane(int index, farmchat::BackplaneMode mode);

    // Scaling a running farm. addNode: one more node on the next free port
    // after the farm's, in the farm's mode now, with its link proxies, put
    // behind the balancer (HAProxy's runtime API) once healthy;
    // nodeAddFinished() follows. removeNode: node `index` leaves: its clients
    // are told first (nodeLeaving()), the balancer sends it nobody and cuts
    // its clients off (they reconnect to the other nodes), it stops, and it
    // leaves the farm; nodeRemoveFinished() follows. The last node stays.
    void addNode();
    void removeNode(int index);

public:
    // --link-faults: the faults on node `index`'s Redis link or balancer link,
    // applied at once to its open connections; linkFaultChanged() follows.
    // Fails (naming why) without link faults or for a node or link the farm
    // does not have.
    farmchat::Result<void> setLinkFault(
        int index, farmchat::NodeLink link, const farmchat::LinkFault &fault);
    // Cuts that link's open connections with a TCP reset.
    farmchat::Result<void> resetLink(int index, farmchat::NodeLink link);

Q_SIGNALS:
    void stateChanged(farmchat::FarmState state);
    // Starting: step 1..total, and what it is doing or waiting for.
    void progress(int step, int total, const QString &text);
    void processesCleared();
    void processAdded(int index);
    // State, pid or exit reason of process `index` changed.
    void processChanged(int index);
    // What node `node`'s /health says changed (mode, Redis link, clients, reachability).
    void nodeHealthChanged(int node);
    void logLine(const QString &processName, const QString &line);
    // Something the user should read: a failed start (the farm then stops), a
    // failed operation, a process that keeps crashing.
    void error(const QString &text);
    void started();
    void stopped();
    // keepRunning: process `index` ended with `reason` and restarts in `delayMs`.
    void restartScheduled(int index, int delayMs, const QString &reason);
    // Someone asked for `action` on process `index` (killNode, stopRedis,
    // killProcess, setProcessPaused that changes something, …), before it
    // happens: what a session recording writes down.
    void processActionRequested(int index, farmchat::ProcessAction action);
    // A setBackplane (node -1) or setNodeBackplane finished: ok when every node
    // switched, else one "node-9090: …" per failure.
    void backplaneRequestFinished(
        farmchat::BackplaneMode mode, int node, const farmchat::Result<void> &switched);
    // A setNodeLbAdmin finished: ok when HAProxy did it, else why not.
    void lbRequestFinished(
        int node, farmchat::LbServerAdmin state, const farmchat::Result<void> &done);
    // The load balancer's view of the nodes changed (status, sessions per node).
    void lbServersChanged();
    // A link fault was set or healed (setLinkFault).
    void linkFaultChanged(int node, farmchat::NodeLink link);
    // An addNode() finished: node `node` serves (and the balancer sends it
    // clients), or why not (`node` is -1 when none was started).
    void nodeAddFinished(int node, const farmchat::Result<void> &added);
    // Node `node` is about to stop for good (removeNode): its clients should move.
    void nodeLeaving(int node);
    // Process `index` left the farm; the ones after it moved down by one.
    void processRemoved(int index);
    // A removeNode() finished: `name` (node `node` until now) left the farm,
    // the nodes after it moved down by one; or why it did not.
    void nodeRemoveFinished(int node, const QString &name, const farmchat::Result<void> &removed);

private:
    void setState(FarmState state);
    void clearProcesses();
    void addProcess(ManagedProcess *process);
    void beginStart();
    void addRedis(const QString &program);
    void addSentinels(const QString &program);
    void addCluster(const QString &program);
    void createNode(quint16 port);
    int nodeIndexOf(const FarmNode *node) const;
    // addNode: the port the next node gets, or why none.
    Result<quint16> nextNodePort() const;
    Result<void> openLinksOf(int index);
    void joinBalancer(FarmNode *node);
    // removeNode: true when `process` was a leaving node's and it ended (it is gone now).
    bool leftTheFarm(ManagedProcess *process);
    void dropNode(FarmNode *node);
    void addLoadBalancer();
    void childFailed(const QString &why);
    void checkExternalRedis(const RedisUrl &url);
    void startNodes();
    void startLoadBalancer();
    // --link-faults: the proxies on the nodes' Redis links; false (the start
    // fails) when one cannot be opened.
    bool openRedisLinks();
    QList<quint16> openBalancerLinks(); // the ports HAProxy reaches the nodes on
    Result<void> checkLink(int index, NodeLink link) const;
    void becomeRunning();
    void onNodeHealthy();
    void failStart(const QString &error);
    void continueStopping();
    void onProcessStateChanged(ManagedProcess *process);
    void restartProcess(ManagedProcess *process);
    void prepareNode(int index);
    void putBackplane(const QList<int> &nodes, BackplaneMode mode, int reportedNode);
    // True (and backplaneRequestFinished() with the reason follows) when the
    // farm's kind of node has no `mode`.
    bool refusesMode(BackplaneMode mode, int reportedNode);
    void emitProgress(const QString &text);
    bool checkNodeIndex(int index, const char *operation);
    // keepRunning: a node that crashed during the start is restarted, not fatal.
    bool restartsWhileStarting(const ManagedProcess *process) const;
    RedisInstance *ownRedis(const char *operation);
    ManagedProcess *checkProcessIndex(int index, const char *operation);
    void resume(const ManagedProcess *process);
    void requested(const ManagedProcess *process, ProcessAction action);

    FarmConfig m_config;
    std::unique_ptr<ProcessGuard> m_guard;
    std::unique_ptr<NodeHttpClient> m_http;
    std::unique_ptr<ExternalRedisCheck> m_externalCheck; // --redis-url, before nodes start
    std::unique_ptr<CrashRestarter> m_restarter;
    std::unique_ptr<RedisInstance> m_redis;
    std::unique_ptr<SentinelGroup> m_sentinels;
    std::unique_ptr<RedisClusterGroup> m_cluster;
    std::unique_ptr<HaproxyInstance> m_lb;
    std::unique_ptr<FarmLinks> m_links; // with --link-faults
    std::vector<std::unique_ptr<FarmNode>> m_nodes;
    std::vector<ManagedProcess *> m_processes; // views into m_redis and m_nodes
    std::set<const ManagedProcess *> m_paused; // SIGSTOPped by setProcessPaused
    std::set<const FarmNode *> m_joining; // added, not yet serving (addNode)
    std::set<const FarmNode *> m_leaving; // being removed (removeNode)
    // Per node: the mode it was told instead of the farm's (cut off); none: it follows the farm.
    std::vector<std::optional<BackplaneMode>> m_nodeOverrides;
    QList<quint16> m_ports;
    QString m_nodeProgram;
    QString m_haproxyProgram;
    quint16 m_lbPort = 0;
    QString m_redisUrl;
    QByteArray m_redisPassword; // to nodes through the environment only
    QByteArray m_adminToken;
    QString m_lastError;
    QElapsedTimer m_clock;
    FarmState m_state = FarmState::Stopped;
    qint64 m_startupMs = 0;
    int m_step = 0;
    int m_totalSteps = 0;
    int m_healthyNodes = 0;
};

} // namespace farmchat
