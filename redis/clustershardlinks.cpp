#include "redis/clustershardlinks.h"

#include "redis/clusterrouter.h"
#include "redis/clusterslot.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcCluster)

namespace farmchat {

namespace {

QByteArray anchorTag(int n)
{
    return QByteArrayLiteral("a") + QByteArray::number(n);
}

} // namespace

ClusterShardLinks::ClusterShardLinks(
    ClusterRouter &router, RedisConnectionOptions link, QObject *parent)
    : QObject(parent), m_router(router), m_options(std::move(link))
{
    m_options.role = RedisConnectionOptions::Role::Commands;
    // A link that lands on a replica (the map is older than a failover) is
    // refused at its handshake instead of getting MOVED for every command.
    m_options.requirePrimary = true;
    m_options.url.db = 0;
    m_options.url.unixSocket.clear();
    connect(&router, &ClusterRouter::slotMapChanged, this, &ClusterShardLinks::applyMap);
    connect(&m_refreshTimer, &QTimer::timeout, &router, &ClusterRouter::refreshSlotMap);
    m_refreshTimer.start(kMapRefreshMs);
    if (router.isReady())
        applyMap(router.slotMap());
}

ClusterShardLinks::~ClusterShardLinks() = default;

QHash<QString, QByteArray> ClusterShardLinks::anchorsOf(const ClusterSlotMap &map)
{
    QHash<QString, QByteArray> anchors;
    const qsizetype wanted = map.primaries().size();
    for (int n = 0; n < kMaxAnchors && anchors.size() < wanted; ++n) {
        const QByteArray tag = anchorTag(n);
        const std::optional<ClusterNode> owner = map.primaryFor(clusterKeySlot(tag));
        if (owner && !anchors.contains(owner->endpoint()))
            anchors.insert(owner->endpoint(), tag);
    }
    return anchors;
}

QByteArray ClusterShardLinks::anchorForSlot(int slot) const
{
    const std::optional<ClusterNode> owner = m_router.slotMap().primaryFor(slot);
    return owner ? m_anchorOf.value(owner->endpoint()) : QByteArray();
}

QList<QByteArray> ClusterShardLinks::anchors() const
{
    return m_anchorOf.values();
}

RedisConnection *ClusterShardLinks::commands(const QByteArray &anchor) const
{
    const auto it = m_shards.find(anchor);
    return it == m_shards.end() ? nullptr : it->second.commands.get();
}

RedisConnection *ClusterShardLinks::reader(const QByteArray &anchor) const
{
    const auto it = m_shards.find(anchor);
    return it == m_shards.end() ? nullptr : it->second.reader.get();
}

void ClusterShardLinks::applyMap(const ClusterSlotMap &map)
{
    m_anchorOf = anchorsOf(map);
    for (const QByteArray &anchor : m_anchorOf) {
        if (m_shards.find(anchor) == m_shards.end()) {
            const ClusterNode primary = *map.primaryFor(clusterKeySlot(anchor));
            m_shards.emplace(anchor,
                Shard {makeLink(anchor, QStringLiteral("commands"), primary),
                    makeLink(anchor, QStringLiteral("reader"), primary)});
        }
    }
    // Every anchor ever used, current or not: its data is wherever its slot is.
    for (const auto &[anchor, shard] : m_shards) {
        const std::optional<ClusterNode> owner = map.primaryFor(clusterKeySlot(anchor));
        const RedisUrl &url = shard.commands->options().url;
        if (!owner || (owner->host == url.host && owner->port == url.port))
            continue;
        qCInfo(lcCluster).noquote()
            << QStringLiteral("shard {%1} moves to %2:%3 (its slots have a new primary)")
                   .arg(QString::fromLatin1(anchor), owner->host)
                   .arg(owner->port);
        for (RedisConnection *link : {shard.commands.get(), shard.reader.get()}) {
            link->setEndpoint(owner->host, owner->port);
            link->reconnect(QStringLiteral("the shard's slots moved to another primary"));
        }
    }
    Q_EMIT shardsChanged();
}

std::unique_ptr<RedisConnection> ClusterShardLinks::makeLink(
    const QByteArray &anchor, const QString &role, const ClusterNode &primary)
{
    RedisConnectionOptions options = m_options;
    options.url.host = primary.host;
    options.url.port = primary.port;
    if (!options.clientName.isEmpty())
        options.clientName += u':' + role + u':' + QString::fromLatin1(anchor);
    auto link = std::make_unique<RedisConnection>(std::move(options));
    RedisConnection *raw = link.get();
    // A failed attempt may mean a failover: the map says where the slots went.
    connect(raw, &RedisConnection::attemptFailed, &m_router, &ClusterRouter::refreshSlotMap);
    connect(raw, &RedisConnection::notPrimary, &m_router, &ClusterRouter::refreshSlotMap);
    connect(raw, &RedisConnection::ready, this, [this, raw, role] {
        if (raw->reconnects() > 0)
            Q_EMIT linkReconnected(role);
    });
    raw->start();
    return link;
}

} // namespace farmchat
