#pragma once

#include "backplane/backplane.h"
#include "backplane/backplanecounters.h"
#include "backplane/backplanefactory.h"
#include "backplane/backplaneswitch.h"

#include <QList>
#include <QStringList>

#include <memory>
#include <vector>

namespace farmchat::test {

class TestRedisServer;

// One in-process "node" for backplane tests: its metrics, factory (and so its
// own Redis links) and backplane switch, as a node has them, and a record of
// everything it delivered.
struct HarnessNode
{
    QString nodeId;
    BackplaneCounters metrics;
    std::unique_ptr<BackplaneFactory> factory;
    std::unique_ptr<BackplaneSwitch> backplane; // ~BackplaneHarness destroys it first
    QList<ChatMessage> delivered;
    QStringList resets; // rooms for which historyReset came
    QList<PublishOutcome> outcomes; // in the order `done` was called
    int sequence = 0;

    // A message as the hub would make it (id = node-unique id, via local).
    ChatMessage makeMessage(const QString &room, const QString &text);
    void publish(const QString &room, const QString &text);
    QList<ChatMessage> deliveredIn(const QString &room) const;
    qint64 dropped(const char *reason) const
    {
        return metrics.backplaneDropped.value(QLatin1String(reason));
    }
    bool linksReady() const;
};

// N nodes on one Redis, all in one mode and watching `rooms`.
class BackplaneHarness
{
public:
    BackplaneHarness(const TestRedisServer &redis, BackplaneMode mode, int nodes,
        const QStringList &rooms = {QStringLiteral("lobby")},
        const std::function<void(BackplaneSettings &)> &tweak = {});
    ~BackplaneHarness();

    HarnessNode &node(int i) { return *m_nodes[std::size_t(i)]; }
    int size() const { return int(m_nodes.size()); }
    // Every node's links are ready and, in pubsub mode, every room subscribed.
    bool ready() const;
    // A live switch of node i to another mode, as PUT /admin/backplane does it.
    void switchTo(int i, BackplaneMode mode);

private:
    std::vector<std::unique_ptr<HarnessNode>> m_nodes;
    QStringList m_rooms;
    BackplaneMode m_mode;
};

} // namespace farmchat::test
