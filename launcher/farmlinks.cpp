#include "launcher/farmlinks.h"

#include <QMetaObject>

namespace farmchat {

QString nodeLinkName(NodeLink link)
{
    return link == NodeLink::Redis ? QStringLiteral("redis") : QStringLiteral("balancer");
}

std::optional<NodeLink> nodeLinkFromName(QStringView name)
{
    if (name == u"redis")
        return NodeLink::Redis;
    if (name == u"balancer")
        return NodeLink::Balancer;
    return std::nullopt;
}

FarmLinks::FarmLinks(QObject *parent) : QObject(parent), m_home(new QObject)
{
    m_thread.setObjectName(QStringLiteral("farm links"));
    m_home->moveToThread(&m_thread);
    m_thread.start();
}

FarmLinks::~FarmLinks()
{
    closeAll();
    QMetaObject::invokeMethod(m_home, &QObject::deleteLater);
    m_thread.quit();
    m_thread.wait();
}

Result<quint16> FarmLinks::open(
    int node, NodeLink link, const QString &targetHost, quint16 targetPort)
{
    if (const Link *existing = find(node, link))
        return existing->port;
    // Blocking, but only for as long as a listen() takes: the proxies' thread
    // runs nothing that waits.
    Link made;
    Result<void> listening;
    QObject *home = m_home;
    QMetaObject::invokeMethod(
        m_home,
        [&made, &listening, home, targetHost, targetPort] {
            made.proxy = new LinkProxy(targetHost, targetPort, home);
            listening = made.proxy->listen();
            made.port = made.proxy->port();
            if (!listening) {
                delete made.proxy;
                made.proxy = nullptr;
            }
        },
        Qt::BlockingQueuedConnection);
    if (!listening)
        return Result<quint16>::failure(QStringLiteral("the %1 link of node %2: %3")
                                            .arg(nodeLinkName(link))
                                            .arg(node + 1)
                                            .arg(listening.error()));
    m_links[{node, link}] = made;
    return made.port;
}

void FarmLinks::closeAll()
{
    std::vector<LinkProxy *> proxies;
    for (const auto &[key, link] : m_links)
        proxies.push_back(link.proxy);
    m_links.clear();
    close(proxies);
}

void FarmLinks::removeNode(int node)
{
    std::vector<LinkProxy *> proxies;
    std::map<Key, Link> kept;
    for (const auto &[key, link] : m_links) {
        if (key.first == node)
            proxies.push_back(link.proxy);
        else
            kept[{key.first > node ? key.first - 1 : key.first, key.second}] = link;
    }
    m_links = std::move(kept);
    close(proxies);
}

void FarmLinks::close(const std::vector<LinkProxy *> &proxies)
{
    if (proxies.empty())
        return;
    QMetaObject::invokeMethod(
        m_home, [proxies] { qDeleteAll(proxies); }, Qt::BlockingQueuedConnection);
}

FarmLinks::Link *FarmLinks::find(int node, NodeLink link)
{
    const auto found = m_links.find({node, link});
    return found == m_links.end() ? nullptr : &found->second;
}

const FarmLinks::Link *FarmLinks::find(int node, NodeLink link) const
{
    const auto found = m_links.find({node, link});
    return found == m_links.end() ? nullptr : &found->second;
}

Result<FarmLinks::Link *> FarmLinks::require(int node, NodeLink link)
{
    if (Link *found = find(node, link))
        return found;
    return Result<Link *>::failure(
        QStringLiteral("no %1 link proxy for node %2").arg(nodeLinkName(link)).arg(node));
}

bool FarmLinks::has(int node, NodeLink link) const
{
    return find(node, link) != nullptr;
}

quint16 FarmLinks::port(int node, NodeLink link) const
{
    const Link *found = find(node, link);
    return found ? found->port : 0;
}

LinkFault FarmLinks::fault(int node, NodeLink link) const
{
    const Link *found = find(node, link);
    return found ? found->fault : LinkFault {};
}

Result<void> FarmLinks::setFault(int node, NodeLink link, const LinkFault &fault)
{
    const Result<Link *> found = require(node, link);
    if (!found)
        return Result<void>::failure(found.error());
    Link *target = found.value();
    if (target->fault == fault)
        return {};
    target->fault = fault;
    LinkProxy *proxy = target->proxy;
    QMetaObject::invokeMethod(proxy, [proxy, fault] { proxy->setFault(fault); });
    Q_EMIT faultChanged(node, link);
    return {};
}

Result<void> FarmLinks::reset(int node, NodeLink link)
{
    const Result<Link *> found = require(node, link);
    if (!found)
        return Result<void>::failure(found.error());
    LinkProxy *proxy = found.value()->proxy;
    QMetaObject::invokeMethod(proxy, [proxy] { proxy->reset(); });
    return {};
}

} // namespace farmchat
