#include "app/mainwindow.h"

#include "app/nodepalette_p.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace farmchat {

QString MainWindow::helpText()
{
    // Where the package put README.md and docs/*.md (installer/CMakeLists.txt).
    const QDir app(QCoreApplication::applicationDirPath());
    QString docs;
    for (const QString &candidate :
        {QStringLiteral("../share/doc/farmchat"), QStringLiteral("../share/doc/FarmChat"),
            QStringLiteral("../Resources/doc"), QStringLiteral("doc")}) {
        if (QFileInfo::exists(app.filePath(candidate + QStringLiteral("/APP.md")))) {
            docs = QDir::cleanPath(app.filePath(candidate));
            break;
        }
    }
    if (docs.isEmpty())
        docs = tr("docs/ in the source tree");
    return tr("A real-time chat scaled out to a \"web farm\": several chat servers (nodes) "
              "behind one address. Each pane is a client of a different node, like users "
              "sent to different servers. The box beside a pane's input picks the room it "
              "sends to; every pane joins a room picked anywhere. On a Redis Cluster each room "
              "lives on one shard (dev · S2), marked ✕ while that shard is down.\n\n"
              "BACKPLANE MODES (Ctrl+B cycles them, live)\n"
              "• off: a node only tells its own clients; the others never see the message.\n"
              "• pub/sub: Redis PUBLISH relays every message to every node, at most once. "
              "While Redis is down a message reaches only its own node, and the sender is told "
              "(⚠ may not reach everyone): a counted loss, as documented.\n"
              "• streams: Redis streams, one order for the whole farm, replayable. While Redis "
              "is down the node queues the message (◷ queued — waiting for Redis) and sends it "
              "when Redis is back: late, never lost.\n\n"
              "DELIVERY MATRIX (a row per message, a column per pane)\n"
              "✓ delivered (latency)   … pending / queued   ◷ late or caught up through History\n"
              "✕ missing   hatched ✕ did not cross (off)   ⊕ duplicated   ⇅ out of order   "
              "! reached a pane the mode did not promise\n"
              "The totals judge each mode by its own promise.\n\n"
              "TOPOLOGY\n"
              "Nodes around Redis; ↑ messages to Redis, ↓ from Redis; a dashed %2 link with ✕ "
              "is broken (Redis down, node cut off or lost, its link partitioned); a dotted "
              "link carries a link fault (hover the node).\n\n"
              "LOAD BALANCER (farm bar)\n"
              "With HAProxy in front every pane connects to it; its header names the node it "
              "landed on. round-robin without Skip negotiation can send negotiate and the "
              "WebSocket to different nodes (the pane explains it); sticky or Skip negotiation "
              "fixes that. Faults dock: ready / drain / maint per node. The topology draws "
              "the clients and HAProxy in front, with sessions per node.\n\n"
              "REDIS WITH SENTINEL (farm bar: Redis sentinel)\n"
              "A primary, a replica and three Sentinels. The topology labels each server with "
              "the role the Sentinels give it now (they swap after a failover) and says when "
              "two Sentinels are down (no quorum: no failover). Faults dock: kill or pause the "
              "primary, force a failover, kill a Sentinel, restart what is down.\n\n"
              "FAULTS & CONTROLS\n"
              "Stop (SIGTERM), kill (SIGKILL) or restart Redis (it comes back empty); kill or "
              "restart a node (its pane reconnects and catches up from History, marked ↺); "
              "Partition cuts a node off: its Redis link stops, it keeps its clients. Links…: "
              "latency, jitter, a bandwidth cap, a partition or a reset on one node's link to "
              "Redis (or from the balancer), live; Heal ends it. Farm → Add node / Remove node "
              "scale the running farm (a removed node's clients move to the others). Farm → "
              "Guided demo (Ctrl+D) walks through it.\n\n"
              "SHORTCUTS\n"
              "Ctrl+L launch · Ctrl+Shift+L stop · Ctrl+B next mode · Ctrl+D guided demo · "
              "Ctrl+Shift+N add a node · "
              "Ctrl+K clear the matrix · Ctrl+Tab / F6 next pane · Shift+F6 previous pane · "
              "F1 this help · Ctrl+Q quit\n\n"
              "MORE: README.md, APP.md (this window), BACKPLANE.md and GUARANTEES.md (what "
              "each mode promises) in %1")
        .arg(docs, nodepalette::badName());
}

} // namespace farmchat
