#pragma once

#include "core/result.h"
#include "launcher/lbpolicy.h"
#include "launcher/nodekind.h"
#include "launcher/redisconfig.h"
#include "protocol/backplanemode.h"

#include <QList>
#include <QString>

namespace farmchat {

// What farm to start: the CLI builds it from flags, the desktop app from its
// farm bar. FarmSupervisor::start() takes it; validate() says what is wrong
// with it in a sentence.
struct FarmConfig
{
    static constexpr int kMaxNodes = 16;

    int nodes = 2; // 1..kMaxNodes
    quint16 basePort = 9090; // nodes listen on basePort, basePort + 1, …; 0: free ports
    QList<quint16> ports; // explicit ports (--ports); when set, overrides basePort
    BackplaneMode backplane = BackplaneMode::PubSub;
    QString redisServer; // --redis-server; empty: FARMCHAT_REDIS_SERVER, then PATH
    QString redisUrl; // --redis-url: use this Redis instead of starting one
    // --redis-maxmemory: the private Redis's memory cap in bytes (noeviction); 0: none.
    qint64 redisMaxMemoryBytes = RedisConfig::kDefaultMaxMemoryBytes;
    // --redis-topology: one private redis-server, or a primary, a replica and
    // three Sentinels that fail over when the primary is down for
    // --sentinel-down-after ms, or a Redis Cluster.
    RedisTopology redisTopology = RedisTopology::Single;
    int sentinelDownAfterMs = SentinelConfig::kDefaultDownAfterMs;
    // With cluster: primaries sharing the slots (3…8) and replicas per shard (0, 1).
    int redisShards = 3;
    int redisReplicas = 0;
    // With sentinel, or a cluster with replicas: the nodes'
    // --stream-wait-replicas (streams mode confirms a Send once this many
    // replicas have it; 0: no WAIT) and --stream-wait-timeout.
    int streamWaitReplicas = 1;
    int streamWaitTimeoutMs = 500;
    LbPolicy loadBalancer = LbPolicy::None; // --lb: HAProxy in front of the nodes
    quint16 lbPort = 0; // --lb-port; 0: a free port
    QString haproxy; // --haproxy; empty: FARMCHAT_HAPROXY, then PATH
    QString logDir; // per-process log files here (created if missing); empty: none
    // --link-faults: every node's Redis link (and, with a balancer, the
    // balancer's link to it) passes through a proxy that can add latency,
    // cap bandwidth, partition or reset it while the farm runs.
    bool linkFaults = false;
    NodeKind nodeKind = NodeKind::FarmChat; // --node-kind
    QString nodeBinary; // empty: ExecutableLocator::nodeBinary(nodeKind)
    bool keepRunning = false; // restart crashed processes with capped back-off
    int healthTimeoutMs = 15000; // per node, from spawn to a good /health
    int redisTimeoutMs = 10000; // from spawn to PONG
    int stopGraceMs = 3000; // SIGTERM → SIGKILL
    int pollIntervalMs = 1000; // /health while running

    // Ok when the config can be started, else why not.
    Result<void> validate() const;
    // The --redis-topology cluster part of validate().
    Result<void> validateCluster() const;
    // Whether this farm can run `mode`: its kind of node (checked at start,
    // by the demo and on every mode switch). Every Redis topology carries
    // every mode.
    Result<void> supports(BackplaneMode mode) const;
    // The ports the nodes will ask for; empty when they are to be picked (basePort 0).
    QList<quint16> requestedPorts() const;
};

} // namespace farmchat
