#pragma once

#include "launcher/lbpolicy.h"
#include "launcher/nodekind.h"
#include "launcher/redisconfig.h"
#include "protocol/backplanemode.h"

#include <QByteArray>
#include <QStringList>

class QSettings;

namespace farmchat {

// What the desktop app remembers between runs (farm size, ports, kind of node, mode, load
// balancer and skip negotiation, pane
// names, window layout). load() treats the settings file as untrusted input:
// anything out of range falls back to the default. MainWindow loads it at
// start and saves it on close; CLI flags override it for one run
// (AppOptions::applyTo).
struct AppSettings
{
    static constexpr int kMinNodes = 1;
    static constexpr int kMaxNodes = 8;
    static constexpr int kDefaultNodes = 2;
    static constexpr quint16 kMinPort = 1024;
    static constexpr quint16 kDefaultBasePort = 9090;

    int nodes = kDefaultNodes;
    quint16 basePort = kDefaultBasePort;
    // The nodes' server (`farm/nodeKind`): farmchat-node, or the ASP.NET Core node.
    NodeKind nodeKind = NodeKind::FarmChat;
    // Off by default: the first thing a new user sees is the problem.
    BackplaneMode backplane = BackplaneMode::Off;
    // The private Redis's memory cap (settings file `redis/maxmemory`, e.g. "256mb").
    qint64 redisMaxMemoryBytes = RedisConfig::kDefaultMaxMemoryBytes;
    // None by default: panes connect to their own node, as without a balancer.
    LbPolicy loadBalancer = LbPolicy::None;
    // One redis-server, or a primary, a replica and three Sentinels (`redis/topology`).
    RedisTopology redisTopology = RedisTopology::Single;
    // Panes open the WebSocket at once, without POST /negotiate (the other
    // cure for a balancer without sticky sessions).
    bool skipNegotiation = false;
    QStringList paneNames; // the name typed into each pane, by pane index
    QByteArray geometry; // QMainWindow::saveGeometry()
    QByteArray windowState; // QMainWindow::saveState()

    static AppSettings load(QSettings &settings);
    void save(QSettings &settings) const;
    // The name pane `index` starts with: the remembered one, else "user-N".
    QString paneName(int index) const;
    void setPaneName(int index, const QString &name);
    // Highest port a farm of `nodes` nodes from `basePort` uses fits in 16 bits.
    static bool portsFit(quint16 basePort, int nodes) { return int(basePort) + nodes - 1 <= 65535; }
};

} // namespace farmchat
