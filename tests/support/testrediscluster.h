#pragma once

#include "core/result.h"
#include "tests/support/testredisserver.h"

#include <QByteArray>
#include <QList>

#include <memory>
#include <vector>

namespace farmchat::test {

// A private Redis Cluster for one test: N primaries, each with 0 or more
// replicas, every node a
// TestRedisServer (free 127.0.0.1 port, own temp dir, no persistence) with
// `cluster-enabled yes` and one shared random password (requirepass and
// masterauth). start() creates the cluster with `redis-cli --cluster create`
// (the password in REDISCLI_AUTH, never in argv) and waits, bounded, until
// every node says cluster_state:ok. The servers are killed and their dirs
// removed in the destructor, also when a test fails. Coverage is not
// required (cluster-require-full-coverage no), so the other shards keep
// serving while one is killed.
class TestRedisCluster
{
public:
    // Nodes 0..shards-1 are made the primaries, the rest their replicas
    // (`redis-cli --cluster create --cluster-replicas`); size() counts both.
    explicit TestRedisCluster(int shards = 3, int replicasPerShard = 0);
    ~TestRedisCluster();
    TestRedisCluster(const TestRedisCluster &) = delete;
    TestRedisCluster &operator=(const TestRedisCluster &) = delete;

    Result<void> start();
    // Bounded wait until every running node reports cluster_state:ok.
    Result<void> waitUntilOk(int timeoutMs = 20000) const;

    int size() const { return int(m_servers.size()); }
    TestRedisServer &shard(int index) { return *m_servers.at(size_t(index)); }
    const TestRedisServer &shard(int index) const { return *m_servers.at(size_t(index)); }
    QByteArray password() const { return m_password; }
    // redis://127.0.0.1:<port>/0 of every node, for seeds.
    QStringList urls() const;
    // CLUSTER MYID of a node.
    QByteArray nodeId(int index) const;
    // The index of the node that owns `slot` according to node `askIndex`'s
    // CLUSTER SLOTS; -1 when none does or the reply is unreadable.
    int ownerOf(int slot, int askIndex = 0) const;

    // The lowest slot node `index` owns in its own CLUSTER SLOTS view; -1
    // when it owns none or the reply is unreadable.
    int firstSlotOf(int index) const;
    // Moves the `slots` lowest slots of node `from` to node `to` with
    // `redis-cli --cluster reshard`, as an operator does. The caller's event
    // loop keeps running meanwhile (traffic may flow); bounded by 30 s.
    Result<void> reshard(int from, int to, int slots);

    void kill(int index); // SIGKILL, the way a crashed shard looks
    // Starts a killed node again in its old dir: nodes.conf brings it back
    // into the cluster with its slots; then waits for cluster_state:ok.
    Result<void> restart(int index);

    static QString cliPath(); // FARMCHAT_REDIS_CLI, or redis-cli on PATH

private:
    Result<void> create() const;
    // Runs redis-cli with the password in its environment, processing
    // events while it runs; `what` names the run in errors.
    Result<void> runCli(const QStringList &arguments, const QString &what) const;

    QByteArray m_password;
    int m_replicasPerShard = 0;
    std::vector<std::unique_ptr<TestRedisServer>> m_servers;
};

} // namespace farmchat::test
