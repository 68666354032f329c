#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

namespace farmchat {

class ProcessGuard;
class RedisConnection;
class RedisInstance;

// What --redis-topology cluster adds to the farm's first Redis (a
// RedisInstance owned by FarmSupervisor, shard 1's primary): the other
// shards' primaries and, with --redis-replicas 1, one replica per shard.
// Every server is a cluster node on two free loopback ports (clients, bus),
// configured on stdin with the farm's one password (requirepass and
// masterauth, never in argv), a supervised child with its own log that dies
// with the launcher.
//
// The cluster is made with CLUSTER commands over the launcher's own links,
// as `redis-cli --cluster create` would, so no other program (or its
// password handling) is involved: distinct config epochs, the 16384 slots
// split evenly over the primaries (ADDSLOTSRANGE), MEET from the first, and
// REPLICATE once a replica knows its primary. ready() once every server
// says cluster_state:ok, knows every other server and every replica follows
// its primary; failed() names the step that did not finish in time.
class RedisClusterGroup : public QObject
{
    Q_OBJECT
public:
    static constexpr int kSlots = 16384;
    static constexpr int kMinShards = 3; // what a Redis Cluster needs to vote
    static constexpr int kMaxShards = 8;

    RedisClusterGroup(const QString &program, ProcessGuard &guard, int shards, int replicas,
        QObject *parent = nullptr);
    ~RedisClusterGroup() override;

    int shardCount() const { return m_shards; }
    int replicasPerShard() const { return m_replicas; }
    // The servers this group starts: shards 2…N's primaries, then one
    // replica per shard (shard 1's first). Shard 1's primary is the farm's.
    int serverCount() const { return int(m_servers.size()); }
    RedisInstance *server(int index) const;
    // Shard `shard`'s server as started: 0 its primary, 1 its replica.
    // nullptr for shard 0's primary (the farm's) or out of range.
    RedisInstance *shardServer(int shard, int role) const;
    // The slots shard `shard` was given: [first, last].
    std::pair<int, int> slotRange(int shard) const;
    // The shard whose slots hold `room`'s pub/sub channel on the launcher's
    // nodes (they run with the node's default channel prefix).
    int shardOfRoom(const QString &room) const;
    // The name of shard `shard`'s server: "redis-shard-2", "redis-shard-2-replica".
    static QString serverName(int shard, bool replica);

    void setReadyTimeoutMs(int ms) { m_readyTimeoutMs = ms; }
    void setNodeTimeoutMs(int ms) { m_nodeTimeoutMs = ms; }
    void setStopGraceMs(int ms);
    void setLogFiles(const std::function<QString(const QString &)> &logFileFor);

    // The farm's first Redis is up (a cluster node, see
    // RedisInstance::setClusterNode): starts the other servers and makes the
    // cluster. ready() or failed() follows.
    void start(RedisInstance &first, qint64 maxMemoryBytes);
    void stop();
    bool isLive() const;
    bool isReady() const { return m_phase == Phase::Ready; }

Q_SIGNALS:
    void ready();
    void failed(const QString &error);

private:
    enum class Phase { Idle, Starting, Identify, Meet, Replicate, WaitOk, Ready };
    struct Member;

    void onServerReady();
    void connectMembers();
    void step();
    void identify();
    void meet();
    void replicate();
    void checkOk();
    void fail(const QString &error);
    void dropLinks();
    Member &primaryOf(int shard);
    QString phaseText() const;

    QString m_program;
    int m_shards = 3;
    int m_replicas = 0;
    int m_readyTimeoutMs = 20000;
    int m_nodeTimeoutMs = 2000;
    std::vector<std::unique_ptr<RedisInstance>> m_servers;
    // Every cluster node in shard order: primaries 0…N-1, then replicas 0…N-1.
    std::vector<std::unique_ptr<Member>> m_members;
    Phase m_phase = Phase::Idle;
    QTimer m_stepTimer;
    QTimer m_deadline;
    QString m_lastAnswer; // what held the current phase up, for failed()
};

} // namespace farmchat
