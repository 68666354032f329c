#include "redis/clusterrouter.h"

#include "redis/clusterslot.h"

#include <QLoggingCategory>
#include <QPointer>

Q_LOGGING_CATEGORY(lcCluster, "farmchat.redis.cluster", QtInfoMsg)

namespace farmchat {

// A command on its way to the shard owning its slot, across redirects.
struct ClusterRouter::Routed
{
    QList<QByteArray> arguments;
    int slot = -1; // -1: none (the command has no key)
    int timeoutMs = 0;
    RedisConnection::ReplyCallback callback;
    int redirects = 0;
    ClusterNode target; // named by the last redirect (port 0: none): the next send only
    bool asking = false; // ASKING goes first on that send
};

// One node and the link to it; kept for the router's lifetime (a cluster has
// a handful of nodes), so a node that lost its slots and gets them back keeps
// its link.
struct ClusterRouter::Shard
{
    QString host;
    quint16 port = 0;
    std::unique_ptr<RedisConnection> connection;
    QList<RoutedPtr> held; // sent once the link's first attempt ends
};

ClusterRouter::ClusterRouter(
    QList<RedisUrl> seeds, RedisConnectionOptions connection, QObject *parent)
    : QObject(parent), m_seeds(std::move(seeds)), m_options(std::move(connection))
{
    m_options.role = RedisConnectionOptions::Role::Commands;
    m_options.url.db = 0;
    m_waitTimer.setSingleShot(true);
    m_retryTimer.setSingleShot(true);
    connect(&m_waitTimer, &QTimer::timeout, this, &ClusterRouter::failWaiting);
    connect(&m_retryTimer, &QTimer::timeout, this, &ClusterRouter::refreshSlotMap);
}

ClusterRouter::~ClusterRouter() = default;

void ClusterRouter::start()
{
    if (m_started)
        return;
    m_started = true;
    for (const RedisUrl &seed : std::as_const(m_seeds))
        shardFor(seed.host, seed.port);
    refreshSlotMap();
}

void ClusterRouter::command(const QList<QByteArray> &arguments, int keyIndex,
    RedisConnection::ReplyCallback callback, int timeoutMs)
{
    auto routed = std::make_shared<Routed>();
    routed->arguments = arguments;
    routed->callback = std::move(callback);
    routed->timeoutMs = timeoutMs > 0 ? timeoutMs : m_options.commandTimeoutMs;
    if (keyIndex < 0 || keyIndex >= arguments.size()) {
        failLater(routed,
            QStringLiteral("a cluster command needs a key: %1 has no argument %2")
                .arg(QString::fromUtf8(arguments.value(0)))
                .arg(keyIndex));
        return;
    }
    routed->slot = clusterKeySlot(arguments[keyIndex]);
    if (!m_started) {
        failLater(routed, QStringLiteral("the cluster router is not started"));
        return;
    }
    route(routed);
}

void ClusterRouter::route(const RoutedPtr &routed)
{
    if (m_refreshing || m_map.isEmpty()) {
        wait(routed);
        return;
    }
    if (routed->target.port != 0) {
        const ClusterNode target = std::exchange(routed->target, ClusterNode {});
        sendTo(shardFor(target.host, target.port), routed);
        return;
    }
    const std::optional<ClusterNode> owner = m_map.primaryFor(routed->slot);
    if (!owner) {
        failLater(routed,
            QStringLiteral("no node serves it (the slot map covers %1 of 16384 slots)")
                .arg(m_map.coveredSlots()));
        return;
    }
    sendTo(shardFor(owner->host, owner->port), routed);
}

void ClusterRouter::sendTo(Shard &shard, const RoutedPtr &routed)
{
    RedisConnection &link = *shard.connection;
    if (link.state() == RedisConnection::State::Connecting) {
        shard.held << routed; // a new link (or a reconnect) is at most connectTimeoutMs away
        return;
    }
    // Spec, "ASK redirection": ASKING is good for the next command only, so
    // both go out back to back on the same link.
    if (std::exchange(routed->asking, false))
        link.command({"ASKING"}, nullptr, routed->timeoutMs);
    const QString endpoint = link.options().url.endpoint();
    link.command(
        routed->arguments,
        [this, routed, endpoint](const RedisValue &reply) { onReply(routed, endpoint, reply); },
        routed->timeoutMs);
}

void ClusterRouter::onReply(
    const RoutedPtr &routed, const QString &endpoint, const RedisValue &reply)
{
    if (ClusterRedirect::isRedirect(reply))
        redirect(routed, endpoint, reply);
    else
        finish(routed, endpoint, reply);
}

void ClusterRouter::redirect(
    const RoutedPtr &routed, const QString &endpoint, const RedisValue &reply)
{
    const auto parsed = ClusterRedirect::parse(reply.bytes());
    if (!parsed) {
        finish(routed, endpoint, RedisValue::linkError(parsed.error()));
        return;
    }
    if (++routed->redirects > kMaxRedirects) {
        finish(routed, endpoint,
            RedisValue::linkError(QStringLiteral("still redirected after %1 redirects (last: %2)")
                                      .arg(kMaxRedirects)
                                      .arg(reply.errorText())));
        return;
    }
    // An empty host (":port") means the host of the node that answered.
    const Shard *answered = findShard(endpoint);
    const QString host = parsed->host.isEmpty() && answered ? answered->host : parsed->host;
    routed->target = ClusterNode {host, parsed->port, {}};
    if (parsed->kind == ClusterRedirect::Kind::Ask) {
        ++m_asked;
        routed->asking = true; // a migration in progress: the map stays as it is
        route(routed);
        return;
    }
    ++m_moved;
    qCDebug(lcCluster).noquote() << "slot" << parsed->slot << "moved to" << parsed->endpoint();
    wait(routed); // resent to the new owner once the map is read again
}

void ClusterRouter::finish(
    const RoutedPtr &routed, const QString &endpoint, const RedisValue &reply)
{
    if (!routed->callback)
        return;
    if (reply.isLinkError()) {
        routed->callback(RedisValue::linkError(QStringLiteral("slot %1 on %2: %3")
                                                   .arg(routed->slot)
                                                   .arg(endpoint, reply.errorText())));
        return;
    }
    routed->callback(reply);
}

void ClusterRouter::failLater(const RoutedPtr &routed, const QString &error)
{
    if (!routed->callback)
        return;
    const QString text
        = routed->slot < 0 ? error : QStringLiteral("slot %1: %2").arg(routed->slot).arg(error);
    QMetaObject::invokeMethod(
        this, [routed, text] { routed->callback(RedisValue::linkError(text)); },
        Qt::QueuedConnection);
}

void ClusterRouter::wait(const RoutedPtr &routed)
{
    m_waiting << routed;
    if (!m_waitTimer.isActive())
        m_waitTimer.start(m_options.connectTimeoutMs + m_options.commandTimeoutMs);
    refreshSlotMap();
}

void ClusterRouter::flushWaiting()
{
    m_waitTimer.stop();
    const QList<RoutedPtr> waiting = std::exchange(m_waiting, {});
    for (const RoutedPtr &routed : waiting)
        route(routed);
}

void ClusterRouter::failWaiting()
{
    const QString why = m_lastRefreshError.isEmpty()
        ? QStringLiteral("no cluster node gave a slot map within %1 ms")
              .arg(m_options.connectTimeoutMs + m_options.commandTimeoutMs)
        : QStringLiteral("no slot map: ") + m_lastRefreshError;
    const QList<RoutedPtr> waiting = std::exchange(m_waiting, {});
    for (const RoutedPtr &routed : waiting)
        failLater(routed, why);
}

void ClusterRouter::refreshSlotMap()
{
    if (m_refreshing || !m_started)
        return;
    RedisConnection *source = refreshSource();
    if (!source) {
        m_wantRefresh = true; // the next link that becomes ready asks
        return;
    }
    m_wantRefresh = false;
    m_refreshing = true;
    m_retryTimer.stop();
    const QString endpoint = source->options().url.endpoint();
    source->command({"CLUSTER", "SLOTS"},
        [this, endpoint](const RedisValue &reply) { onSlots(endpoint, reply); });
}

RedisConnection *ClusterRouter::refreshSource() const
{
    // A primary of the current map first: it has the freshest view of its slots.
    for (const ClusterNode &node : m_map.primaries()) {
        const auto it = m_shards.find(node.endpoint());
        if (it != m_shards.end() && it->second->connection->isReady())
            return it->second->connection.get();
    }
    for (const auto &entry : m_shards) {
        if (entry.second->connection->isReady())
            return entry.second->connection.get();
    }
    return nullptr;
}

void ClusterRouter::onSlots(const QString &source, const RedisValue &reply)
{
    m_refreshing = false;
    auto map = ClusterSlotMap::fromClusterSlots(reply);
    if (!map) {
        refreshFailedWith(QStringLiteral("slot map from %1: %2").arg(source, map.error()));
        return;
    }
    if (map->isEmpty()) {
        refreshFailedWith(QStringLiteral("%1 knows no slot owners yet").arg(source));
        return;
    }
    m_refreshFailures = 0;
    m_lastRefreshError.clear();
    ++m_refreshes;
    QPointer<ClusterRouter> self(this);
    applyMap(std::move(map).value());
    if (self)
        flushWaiting();
}

void ClusterRouter::refreshFailedWith(const QString &error)
{
    if (error != m_lastRefreshError)
        qCWarning(lcCluster).noquote() << error;
    m_lastRefreshError = error;
    const int delay = m_options.backoff.delayMs(m_refreshFailures++);
    // Retry while someone needs a map; otherwise the next command or lost link asks.
    if (!m_waiting.isEmpty() || m_map.isEmpty())
        m_retryTimer.start(delay);
    Q_EMIT refreshFailed(error);
}

void ClusterRouter::applyMap(ClusterSlotMap map)
{
    for (const ClusterNode &node : map.primaries())
        shardFor(node.host, node.port);
    if (map == m_map)
        return;
    m_map = std::move(map);
    qCInfo(lcCluster).noquote() << QStringLiteral(
        "slot map: %1 primaries, %2 of 16384 slots covered")
                                       .arg(m_map.primaries().size())
                                       .arg(m_map.coveredSlots());
    Q_EMIT slotMapChanged(m_map);
}

ClusterRouter::Shard *ClusterRouter::findShard(const QString &endpoint)
{
    const auto it = m_shards.find(endpoint);
    return it == m_shards.end() ? nullptr : it->second.get();
}

ClusterRouter::Shard &ClusterRouter::shardFor(const QString &host, quint16 port)
{
    const QString endpoint = host + u':' + QString::number(port);
    if (Shard *existing = findShard(endpoint))
        return *existing;
    auto shard = std::make_unique<Shard>();
    shard->host = host;
    shard->port = port;
    RedisConnectionOptions options = m_options;
    options.url.host = host;
    options.url.port = port;
    options.url.unixSocket.clear();
    shard->connection = std::make_unique<RedisConnection>(std::move(options));
    Shard &ref = *shard;
    RedisConnection *link = shard->connection.get();
    connect(link, &RedisConnection::ready, this, [this, &ref] { onShardReady(ref); });
    connect(
        link, &RedisConnection::attemptFailed, this, [this, &ref] { onShardAttemptFailed(ref); });
    // A failover moves slots: a lost link is a reason to read the map again.
    connect(link, &RedisConnection::lost, this, &ClusterRouter::refreshSlotMap);
    m_shards.emplace(endpoint, std::move(shard));
    link->start();
    return ref;
}

void ClusterRouter::onShardReady(Shard &shard)
{
    if (shard.connection->reconnects() > 0)
        Q_EMIT linkReconnected();
    const QList<RoutedPtr> held = std::exchange(shard.held, {});
    for (const RoutedPtr &routed : held)
        sendTo(shard, routed);
    if (m_wantRefresh)
        refreshSlotMap();
}

void ClusterRouter::onShardAttemptFailed(Shard &shard)
{
    // The link now waits for its next attempt: the held commands fail with its error.
    const QList<RoutedPtr> held = std::exchange(shard.held, {});
    for (const RoutedPtr &routed : held)
        sendTo(shard, routed);
    // A primary that cannot be reached may be failing over: the map read
    // when its link was lost still named it, so read it again on each failed
    // attempt (paced by the link's backoff) until its slots have a new owner.
    if (m_map.hasPrimary(shard.connection->options().url.endpoint()))
        refreshSlotMap();
}

bool ClusterRouter::isSlotReady(int slot) const
{
    const std::optional<ClusterNode> owner = m_map.primaryFor(slot);
    if (!owner)
        return false;
    const auto it = m_shards.find(owner->endpoint());
    return it != m_shards.end() && it->second->connection->isReady();
}

QList<ClusterRouter::ShardStatus> ClusterRouter::shards() const
{
    QList<ShardStatus> result;
    for (const auto &[endpoint, shard] : m_shards) {
        ShardStatus status;
        status.endpoint = endpoint;
        status.state = shard->connection->state();
        status.lastError = shard->connection->lastError();
        status.lastErrorAtMs = shard->connection->lastErrorAtMs();
        for (const ClusterSlotRange &range : m_map.ranges()) {
            if (range.primary.endpoint() != endpoint)
                continue;
            status.primary = true;
            status.id = range.primary.id;
            status.slots += range.last - range.first + 1;
        }
        result << status;
    }
    return result;
}

} // namespace farmchat
