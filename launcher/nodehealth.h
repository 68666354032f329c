#pragma once

#include "core/result.h"
#include "protocol/backplanemode.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace farmchat {

// What a node's GET /health said the last time it was asked, as FarmNode
// keeps it for the model: the GUI shows mode, Redis link and client count per
// node from here. `reachable` is false (and `error` says why) when the last
// poll got no valid answer.
struct NodeHealth
{
    bool reachable = false;
    QString error; // why the last poll failed; empty when reachable
    QString nodeId;
    quint16 port = 0;
    BackplaneMode backplane = BackplaneMode::Off;
    bool redisConnected = false;
    bool redisFull = false; // Redis refuses this node's writes for memory (absent: false)
    // Rooms whose subscription or stream position Redis has not confirmed yet
    // (absent: 0): other nodes' messages to them are not received live yet.
    int roomsPending = 0;
    QString lastBackplaneError;
    int clients = 0;
    QDateTime checkedAt;

    // Parses the body of GET /health (untrusted: every field is checked).
    static Result<NodeHealth> fromJson(const QByteArray &body);
    QJsonObject toJson() const;

    // Reachable, in `mode`, and (for a Redis mode) connected with every room
    // confirmed: a message sent now reaches this node's clients.
    bool carries(BackplaneMode mode) const;

    // Same answer (ignores checkedAt): lets FarmNode signal only real changes.
    bool sameAs(const NodeHealth &other) const;
};

} // namespace farmchat
