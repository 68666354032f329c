#pragma once

#include "core/result.h"

#include <QString>
#include <QStringList>

namespace farmchat {

// How the farm's load balancer (HAProxy) spreads clients over the nodes, or
// that there is none and clients connect to each node directly. `sticky`
// pins a browser or client with a cookie the balancer inserts, `source` by
// the client's address, `round-robin` pins nothing: a SignalR client's
// negotiate and WebSocket requests may then reach different nodes.
enum class LbPolicy { None, RoundRobin, Sticky, Source };

QString lbPolicyName(LbPolicy policy); // "none", "round-robin", "sticky", "source"
Result<LbPolicy> parseLbPolicy(const QString &text);
QStringList lbPolicyNames();

} // namespace farmchat
