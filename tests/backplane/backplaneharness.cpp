#include "tests/backplane/backplaneharness.h"

#include "backplane/streams/streamsbackplane_p.h"
#include "redis/redisconnection.h"
#include "tests/support/testredisserver.h"

#include <QDateTime>
#include <QUuid>

namespace farmchat::test {

ChatMessage HarnessNode::makeMessage(const QString &room, const QString &text)
{
    ChatMessage m;
    m.id = QStringLiteral("%1:boot:%2").arg(nodeId).arg(++sequence);
    m.room = room;
    m.from = QStringLiteral("user-") + nodeId;
    m.text = text;
    m.node = nodeId;
    m.sentAt = QDateTime::currentMSecsSinceEpoch();
    m.via = Via::Local;
    return m;
}

void HarnessNode::publish(const QString &room, const QString &text)
{
    backplane->publish(makeMessage(room, text),
        [this](const PublishOutcome &outcome) { outcomes.append(outcome); });
}

QList<ChatMessage> HarnessNode::deliveredIn(const QString &room) const
{
    QList<ChatMessage> out;
    for (const ChatMessage &m : delivered) {
        if (m.room == room)
            out.append(m);
    }
    return out;
}

bool HarnessNode::linksReady() const
{
    const bool pubsub = backplane->mode() == BackplaneMode::PubSub;
    for (const RedisConnection *link :
        {factory->commandLink(), pubsub ? factory->subscriberLink() : factory->readerLink()}) {
        if (!link || !link->isReady())
            return false;
    }
    return true;
}

BackplaneHarness::BackplaneHarness(const TestRedisServer &redis, BackplaneMode mode, int nodes,
    const QStringList &rooms, const std::function<void(BackplaneSettings &)> &tweak)
    : m_rooms(rooms), m_mode(mode)
{
    // A prefix per harness: tests sharing a Redis never see each other's keys.
    const QString prefix = QStringLiteral("t") + QUuid::createUuid().toString(QUuid::Id128).left(8);
    for (int i = 0; i < nodes; ++i) {
        auto node = std::make_unique<HarnessNode>();
        node->nodeId = QStringLiteral("node-%1").arg(i);
        BackplaneSettings settings;
        settings.nodeId = node->nodeId;
        settings.redisUrl = redis.url();
        settings.redisPassword = redis.password();
        settings.channelPrefix = prefix;
        settings.history = 1000;
        if (tweak)
            tweak(settings);
        node->factory = std::make_unique<BackplaneFactory>(settings, node->metrics);
        HarnessNode *raw = node.get();
        node->backplane = std::make_unique<BackplaneSwitch>(
            [raw](BackplaneMode m) { return raw->factory->create(m); });
        const auto started = node->backplane->start(mode);
        Q_ASSERT_X(started.ok(), "BackplaneHarness", qPrintable(started.error()));
        QObject::connect(node->backplane.get(), &Backplane::deliver, node->backplane.get(),
            [raw](const ChatMessage &m) { raw->delivered.append(m); });
        QObject::connect(node->backplane.get(), &Backplane::historyReset, node->backplane.get(),
            [raw](const QString &room) { raw->resets.append(room); });
        for (const QString &room : std::as_const(m_rooms))
            node->backplane->watchRoom(room);
        m_nodes.push_back(std::move(node));
    }
}

BackplaneHarness::~BackplaneHarness()
{
    // The switch owns every backplane, retired ones included. It goes first:
    // its backplanes use the factory's links and metrics, and answer senders
    // still waiting (into `outcomes`) as they are destroyed.
    for (auto &node : m_nodes)
        node->backplane.reset();
}

void BackplaneHarness::switchTo(int i, BackplaneMode mode)
{
    const auto switched = node(i).backplane->switchTo(mode);
    Q_ASSERT_X(switched.ok(), "BackplaneHarness", qPrintable(switched.error()));
}

bool BackplaneHarness::ready() const
{
    for (const auto &node : m_nodes) {
        if (!node->linksReady())
            return false;
        if (node->backplane->mode() == BackplaneMode::PubSub) {
            for (const QString &room : m_rooms) {
                const QByteArray channel
                    = (node->factory->settings().channelPrefix + QStringLiteral(":room:") + room)
                          .toUtf8();
                if (!node->factory->subscriberLink()->isSubscribed(channel))
                    return false;
            }
        }
        if (const auto *streams
            = qobject_cast<const StreamsBackplane *>(node->backplane->current())) {
            for (const QString &room : m_rooms) {
                if (!streams->isReading(room))
                    return false;
            }
        }
    }
    return true;
}

} // namespace farmchat::test
