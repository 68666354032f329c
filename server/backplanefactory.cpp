#include "server/backplanefactory.h"

#include "server/localbackplane.h"
#include "server/nodemetrics.h"
#include "server/pubsubbackplane.h"
#include "server/streamsbackplane.h"

namespace farmchat {

BackplaneFactory::BackplaneFactory(
    BackplaneSettings settings, NodeMetrics &metrics, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)), m_metrics(metrics)
{
    // Connected from the start, whatever the first mode: a live switch to a
    // Redis mode then carries the very next message (an invalid URL is
    // reported by create()).
    if (hasRedis()) {
        ensureLinks(BackplaneMode::PubSub);
        ensureLinks(BackplaneMode::Streams);
    }
}

// The backplanes built here hold references to the links: the node destroys
// its backplane before its factory.
BackplaneFactory::~BackplaneFactory() = default;

std::unique_ptr<Backplane> BackplaneFactory::create(BackplaneMode mode, QString *error)
{
    if (mode == BackplaneMode::Off)
        return std::make_unique<LocalBackplane>();
    if (!hasRedis()) {
        if (error)
            *error = QStringLiteral("no Redis configured (start the node with --redis URL)");
        return nullptr;
    }
    if (const QString why = ensureLinks(mode); !why.isEmpty()) {
        if (error)
            *error = why;
        return nullptr;
    }
    if (mode == BackplaneMode::PubSub)
        return std::make_unique<PubSubBackplane>(
            PubSubBackplane::Config {m_settings.nodeId, m_settings.channelPrefix}, *m_commands,
            *m_subscriber, m_metrics);
    StreamsBackplane::Config config;
    config.nodeId = m_settings.nodeId;
    config.channelPrefix = m_settings.channelPrefix;
    config.history = m_settings.history;
    config.outboxCapacity = m_settings.outboxCapacity;
    return std::make_unique<StreamsBackplane>(config, *m_commands, *m_reader, m_metrics);
}

QString BackplaneFactory::ensureLinks(BackplaneMode mode)
{
    const auto url = RedisUrl::parse(m_settings.redisUrl);
    if (!url)
        return QStringLiteral("invalid Redis URL: ") + url.error();
    // Each link on first use; then kept, so switching back and forth reconnects nothing.
    using Role = RedisConnectionOptions::Role;
    if (!m_commands)
        m_commands = makeLink(url.value(), Role::Commands, QStringLiteral("commands"));
    if (mode == BackplaneMode::PubSub && !m_subscriber)
        m_subscriber = makeLink(url.value(), Role::Subscriber, QStringLiteral("subscriber"));
    if (mode == BackplaneMode::Streams && !m_reader)
        m_reader = makeLink(url.value(), Role::Commands, QStringLiteral("reader"));
    return {};
}

std::unique_ptr<RedisConnection> BackplaneFactory::makeLink(
    const RedisUrl &url, RedisConnectionOptions::Role role, const QString &name)
{
    RedisConnectionOptions options;
    options.url = url;
    options.password = m_settings.redisPassword;
    options.role = role;
    // CLIENT LIST shows who is who; tests and operators kill by name or type.
    options.clientName
        = QStringLiteral("farmchat:%1:%2").arg(m_settings.nodeId, name).replace(u' ', u'_');
    options.probeChannel = (m_settings.channelPrefix + QStringLiteral(":probe")).toUtf8();
    // Back on the backplane within a second of Redis answering again (the
    // promise in docs/GUARANTEES.md): a cap of 500 ms (jitter never exceeds it)
    // costs Redis two connection attempts a second per link while it is down.
    options.backoff.maxDelayMs = kBackoffMaxMs;
    auto link = std::make_unique<RedisConnection>(options);
    connect(link.get(), &RedisConnection::ready, this, [this, raw = link.get(), name] {
        if (raw->reconnects() > 0)
            ++m_metrics.redisReconnects[name];
    });
    link->start();
    return link;
}

} // namespace farmchat
