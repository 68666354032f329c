#pragma once

#include "core/result.h"
#include "launcher/farmlinks.h"
#include "launcher/farmstate.h"
#include "launcher/haproxyinstance.h"
#include "protocol/backplanemode.h"

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QStringList>

namespace farmchat {

// What an op of the control channel takes besides "op" and "id" (bits).
namespace ControlArg {
enum : unsigned {
    None = 0,
    Node = 1, // "node": 0-based index, or "port": the node's port
    Mode = 2, // "mode": off, pubsub or streams
    LbAdmin = 4, // "admin": drain, maint or ready
    Link = 8, // "link": redis (default) or balancer
    Fault = 16, // "fault": a LinkFault object ({"latencyMs": 50, "partitioned": true, ...})
    Shard = 32, // "shard": 0-based shard index; "replica": true for its replica (default false)
};
}

// What the farm must have for an op to make sense (bits).
namespace ControlNeed {
enum : unsigned {
    Nothing = 0,
    Running = 1, // the farm is running (not starting or stopping)
    OwnRedis = 2, // the farm's own redis-server, not --redis-url
    Balancer = 4, // a load balancer (--lb)
    LinkFaults = 8, // link proxies (--link-faults)
    Cluster = 16, // a Redis Cluster (--redis-topology cluster)
};
}

// One op as the parser sees it; ControlChannel's table adds what it does.
struct ControlOpSpec
{
    QString name;
    unsigned args = ControlArg::None;
    unsigned needs = ControlNeed::Nothing;
};

// The farm as far as checking a command goes.
struct ControlFarmView
{
    FarmState state = FarmState::Stopped;
    QList<quint16> nodePorts; // node i listens on nodePorts[i]
    bool ownRedis = false;
    bool balancer = false;
    bool linkFaults = false;
    int shards = 0; // Redis Cluster shards; 0: not a cluster
    bool shardReplicas = false; // each shard has a replica
};

// A checked control command: ready to run on a farm that looks like the view.
struct ControlCommand
{
    int op = -1; // index into the op table
    int node = -1; // ControlArg::Node
    BackplaneMode mode = BackplaneMode::Off; // ControlArg::Mode
    LbServerAdmin admin = LbServerAdmin::Ready; // ControlArg::LbAdmin
    NodeLink link = NodeLink::Redis; // ControlArg::Link
    LinkFault fault; // ControlArg::Fault
    int shard = -1; // ControlArg::Shard
    bool replica = false; // ControlArg::Shard: the shard's replica, not its primary
};

// One line read: its "id" (null when absent or unreadable), and the command
// or what is wrong with it, in words a script's author can act on.
struct ControlRequest
{
    QJsonValue id;
    Result<ControlCommand> command;
};

// Reads one control line: {"id": any (optional, echoed), "op": "<name>", ...args}.
// Unknown ops, unknown or missing fields, wrong types, nodes out of range and
// ops the farm cannot do now are refused here, before anything runs.
ControlRequest parseControlLine(
    const QByteArray &line, const QList<ControlOpSpec> &ops, const ControlFarmView &farm);

} // namespace farmchat
