#pragma once

#include "core/result.h"
#include "linkfault/linkproxy.h"

#include <QObject>
#include <QThread>

#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace farmchat {

// The links of a node that can carry faults: its connections to Redis
// (commands, subscriber, stream reader), and the balancer's connections to it.
enum class NodeLink { Redis, Balancer };
QString nodeLinkName(NodeLink link); // "redis", "balancer"
std::optional<NodeLink> nodeLinkFromName(QStringView name);

// The link-fault proxies of a farm (--link-faults): one LinkProxy per node
// and link, that node's traffic on that link passing through it. They run on
// a thread of their own: the event loop of the launcher or of the app
// (painting, a long layout) then adds no delay to the farm's traffic that the
// user did not ask for. Use it from the thread that made it; it hands every
// call to the proxies' thread.
class FarmLinks : public QObject
{
    Q_OBJECT
public:
    explicit FarmLinks(QObject *parent = nullptr);
    ~FarmLinks() override; // closes every proxy and connection, ends the thread

    // A proxy for node `node`'s `link` on a free 127.0.0.1 port, forwarding to
    // targetHost:targetPort: its port, or why not. Opening one that exists
    // gives its port (a restarted node keeps its proxy).
    Result<quint16> open(int node, NodeLink link, const QString &targetHost, quint16 targetPort);
    // Closes every proxy (the farm stopped).
    void closeAll();
    // Node `node` left the farm: its proxies close, and the nodes after it
    // are numbered one lower, like the farm's.
    void removeNode(int node);

    bool has(int node, NodeLink link) const;
    quint16 port(int node, NodeLink link) const; // 0 without a proxy
    LinkFault fault(int node, NodeLink link) const; // healthy without a proxy
    // Applies to the open and the future connections of that link; faultChanged() follows.
    Result<void> setFault(int node, NodeLink link, const LinkFault &fault);
    // Cuts that link's open connections with a TCP reset.
    Result<void> reset(int node, NodeLink link);

Q_SIGNALS:
    void faultChanged(int node, farmchat::NodeLink link);

private:
    using Key = std::pair<int, NodeLink>;
    struct Link
    {
        LinkProxy *proxy = nullptr; // lives on m_thread, a child of m_home
        quint16 port = 0;
        LinkFault fault;
    };
    Link *find(int node, NodeLink link);
    const Link *find(int node, NodeLink link) const;
    Result<Link *> require(int node, NodeLink link);
    void close(const std::vector<LinkProxy *> &proxies);

    QThread m_thread;
    QObject *m_home = nullptr; // parent of the proxies, on m_thread
    std::map<Key, Link> m_links;
};

} // namespace farmchat
