#pragma once

#include "launcher/lbpolicy.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace farmchat {

// The configuration of the farm's HAProxy, as text: one frontend on
// 127.0.0.1, one backend with every node as a server checked with GET
// /health, the policy's balance and stickiness, timeouts that keep idle
// WebSockets open, and the runtime API on a unix socket (mode 600, level
// admin) for drain, maint and ready. HaproxyInstance writes it into its
// private temp dir (mode 600) and starts haproxy on it.
struct HaproxyConfig
{
    static constexpr QLatin1StringView kBackend {"nodes"};
    static constexpr QLatin1StringView kFrontend {"farm"};
    // The cookie `sticky` inserts; its value names the node.
    static constexpr QLatin1StringView kStickyCookie {"FARMCHAT_NODE"};
    // Idle WebSockets stay open this long; nodes Ping every 15 s (keep-alive), far below it.
    static constexpr int kTunnelTimeoutMs = 3600 * 1000;
    static constexpr int kClientTimeoutMs = 60 * 1000; // HTTP request / response inactivity
    static constexpr int kConnectTimeoutMs = 2000;

    LbPolicy policy = LbPolicy::RoundRobin;
    quint16 port = 0; // the frontend's port on 127.0.0.1
    QString socketPath; // the runtime API
    QList<quint16> nodePorts;
    // Where HAProxy connects for each node, in nodePorts' order: the node's
    // link-fault proxy (--link-faults); empty: the nodes themselves.
    QList<quint16> serverPorts;
    int checkIntervalMs = 1000; // health check period; down after 2 failures, up after 1 success
    // sticky: what the cookie of a server added while running is derived from.
    QByteArray dynamicCookieKey;

    // The server name of the node on `port`: "node-9090", as the farm names it.
    static QString serverName(quint16 port);
    QByteArray toConfigText() const;
    // The runtime API's command that adds the node on `nodePort`, reached at
    // `address`, checked like the config's servers (a server added while
    // running takes no default-server settings).
    QString addServerCommand(quint16 nodePort, quint16 address) const;

private:
    QString checkOptions() const;
};

} // namespace farmchat
