#pragma once

#include "core/result.h"
#include "protocol/backplanemode.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>

namespace farmchat {

class FarmNode;
class NodeHttpClient;

// One "switch these nodes to mode M" request: PUT /admin/backplane on each
// running node, gathered into one answer. Nodes not running are skipped
// (they take the mode when they start). FarmSupervisor runs one per
// setBackplane() / setNodeBackplane().
class BackplaneRequest
{
public:
    static constexpr int kTimeoutMs = 5000;
    // Ok when every running node switched, else an error with one "node-9090:
    // HTTP 401: …" per failure. Called once, on the event loop, while `context` lives.
    using Done = std::function<void(const Result<void> &switched)>;

    static void run(NodeHttpClient &http, const QList<FarmNode *> &nodes,
        const QByteArray &adminToken, BackplaneMode mode, QObject *context, Done done);
    // For nodes that cannot switch live (the ASP.NET Core node): `restart`
    // restarts one node with the new mode already set; ok once every running
    // node is healthy again, else one "node-9090: …" per node that did not
    // come back (its startFailed reason).
    static void byRestart(const QList<FarmNode *> &nodes,
        const std::function<void(FarmNode *)> &restart, QObject *context, Done done);
};

} // namespace farmchat
