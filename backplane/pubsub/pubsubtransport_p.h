#pragma once

#include "redis/redisconnection.h"

#include <QByteArray>
#include <QObject>
#include <QString>

namespace farmchat {

class ClusterRouter;
class ShardedSubscriber;

// Where the pubsub backplane publishes and subscribes: one Redis (PUBLISH,
// SUBSCRIBE) or a Redis Cluster (SPUBLISH, SSUBSCRIBE on the shard owning
// each channel's slot, so a shard carries only its own rooms). Owned by the
// BackplaneFactory with the links it wraps: it outlives live switches.
class PubSubTransport : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~PubSubTransport() override = default;

    virtual QByteArray publishVerb() const = 0; // "PUBLISH" or "SPUBLISH", for messages
    // The link a publish to `channel` takes is up: it is sent now.
    virtual bool canPublish(const QByteArray &channel) const = 0;
    virtual void publish(
        const QByteArray &channel, const QByteArray &payload, RedisConnection::ReplyCallback done)
        = 0;
    virtual void subscribe(const QByteArray &channel) = 0;
    virtual void unsubscribe(const QByteArray &channel) = 0;
    virtual bool isSubscribed(const QByteArray &channel) const = 0;
    virtual bool isConnected() const = 0; // every link up
    // Where a publish to `channel` goes, to tell a failing shard from the
    // others: empty for one Redis, its slot's primary ("host:port") on a
    // cluster.
    virtual QString publishTarget(const QByteArray &) const { return {}; }
    // Whether `target` (a publishTarget()) still owns any slot.
    virtual bool isPublishTarget(const QString &) const { return true; }
    // The newest failure of any link, kept after a later success.
    virtual LinkError lastError() const = 0;

Q_SIGNALS:
    void message(const QByteArray &channel, const QByteArray &payload);
    // A link's state changed, an attempt failed or a subscription was confirmed.
    void changed();
};

// One Redis: a commands link and a subscriber link.
class RedisPubSubTransport final : public PubSubTransport
{
    Q_OBJECT
public:
    RedisPubSubTransport(
        RedisConnection &commands, RedisConnection &subscriber, QObject *parent = nullptr);

    QByteArray publishVerb() const override { return QByteArrayLiteral("PUBLISH"); }
    bool canPublish(const QByteArray &) const override { return m_commands.isReady(); }
    void publish(const QByteArray &channel, const QByteArray &payload,
        RedisConnection::ReplyCallback done) override;
    void subscribe(const QByteArray &channel) override { m_subscriber.subscribe(channel); }
    void unsubscribe(const QByteArray &channel) override { m_subscriber.unsubscribe(channel); }
    bool isSubscribed(const QByteArray &channel) const override
    {
        return m_subscriber.isSubscribed(channel);
    }
    bool isConnected() const override { return m_commands.isReady() && m_subscriber.isReady(); }
    LinkError lastError() const override;

private:
    RedisConnection &m_commands;
    RedisConnection &m_subscriber;
};

// A Redis Cluster: SPUBLISH through the slot router, SSUBSCRIBE per shard.
class ClusterPubSubTransport final : public PubSubTransport
{
    Q_OBJECT
public:
    ClusterPubSubTransport(
        ClusterRouter &router, ShardedSubscriber &subscriber, QObject *parent = nullptr);

    QByteArray publishVerb() const override { return QByteArrayLiteral("SPUBLISH"); }
    bool canPublish(const QByteArray &channel) const override;
    void publish(const QByteArray &channel, const QByteArray &payload,
        RedisConnection::ReplyCallback done) override;
    void subscribe(const QByteArray &channel) override;
    void unsubscribe(const QByteArray &channel) override;
    bool isSubscribed(const QByteArray &channel) const override;
    bool isConnected() const override;
    QString publishTarget(const QByteArray &channel) const override;
    bool isPublishTarget(const QString &target) const override;
    LinkError lastError() const override;

private:
    ClusterRouter &m_router;
    ShardedSubscriber &m_subscriber;
};

} // namespace farmchat
