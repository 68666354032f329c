#include "launcher/farmflags.h"

#include "launcher/redisclustergroup.h"

#include <algorithm>

namespace farmchat {

CommandLineOption FarmFlags::nodes(int maxNodes, int defaultNodes, std::function<void(int)> store)
{
    CommandLineOption option = CommandLineOption::integer(QStringLiteral("nodes"),
        QStringLiteral("N"), QStringLiteral("number of nodes, 1 to %1").arg(maxNodes),
        {1, maxNodes}, [store = std::move(store)](qint64 value) { store(int(value)); });
    return option.withDefault(QString::number(defaultNodes));
}

CommandLineOption FarmFlags::basePort(
    quint16 minPort, quint16 defaultPort, std::function<void(quint16)> store)
{
    CommandLineOption option
        = CommandLineOption::integer(QStringLiteral("base-port"), QStringLiteral("P|auto"),
            QStringLiteral("nodes listen on P, P+1, ...; 0 or auto picks free ports"),
            {minPort, 65535, true},
            [store = std::move(store)](qint64 value) { store(quint16(value)); });
    return option.withDefault(QString::number(defaultPort));
}

CommandLineOption FarmFlags::redisMaxMemory(qint64 defaultBytes, std::function<void(qint64)> store)
{
    CommandLineOption option = CommandLineOption::parsed<qint64>(QStringLiteral("redis-maxmemory"),
        QStringLiteral("SIZE"),
        QStringLiteral("memory cap of the private Redis, e.g. 256mb or 1gb; 0: none. When it "
                       "is full, sends fail with an error (nothing is evicted)"),
        parseMemorySize, std::move(store));
    return option.withDefault(formatMemorySize(defaultBytes));
}

Result<qint64> FarmFlags::parseMemorySize(const QString &text)
{
    static constexpr std::pair<const char *, qint64> kUnits[] {
        {"gb", 1LL << 30}, {"mb", 1LL << 20}, {"kb", 1LL << 10}, {"", 1}};
    constexpr qint64 kMin = 4LL << 20;
    constexpr qint64 kMax = 1LL << 40;
    const QString lower = text.trimmed().toLower();
    if (lower == u"0")
        return qint64(0);
    for (const auto &[unit, factor] : kUnits) {
        const QLatin1StringView suffix(unit);
        if (!lower.endsWith(suffix))
            continue;
        const QString digits = lower.chopped(suffix.size());
        bool ok = !digits.isEmpty()
            && std::all_of(digits.begin(), digits.end(), [](QChar c) { return c.isDigit(); });
        const qint64 value = ok ? digits.toLongLong(&ok) : 0;
        if (!ok)
            break;
        if (value > kMax / factor || value * factor > kMax)
            return Result<qint64>::failure(QStringLiteral("must be at most 1024gb"));
        if (value * factor < kMin)
            return Result<qint64>::failure(
                QStringLiteral("must be 0 (no cap) or at least 4mb, not '%1'").arg(text));
        return value * factor;
    }
    return Result<qint64>::failure(
        QStringLiteral("must be a size such as 256mb or 1gb, or 0, not '%1'").arg(text.left(64)));
}

QString FarmFlags::formatMemorySize(qint64 bytes)
{
    if (bytes == 0)
        return QStringLiteral("0");
    if (bytes % (1LL << 30) == 0)
        return QString::number(bytes >> 30) + QStringLiteral("gb");
    if (bytes % (1LL << 20) == 0)
        return QString::number(bytes >> 20) + QStringLiteral("mb");
    if (bytes % (1LL << 10) == 0)
        return QString::number(bytes >> 10) + QStringLiteral("kb");
    return QString::number(bytes);
}

CommandLineOption FarmFlags::loadBalancer(std::function<void(LbPolicy)> store)
{
    CommandLineOption option
        = CommandLineOption::parsed<LbPolicy>(QStringLiteral("lb"), QStringLiteral("POLICY"),
            QStringLiteral("put HAProxy in front of the nodes: none, round-robin, sticky (a cookie "
                           "pins each client to its node) or source (by client address)"),
            parseLbPolicy, std::move(store));
    return option.withDefault(lbPolicyName(LbPolicy::None));
}

CommandLineOption FarmFlags::redisTopology(std::function<void(RedisTopology)> store)
{
    CommandLineOption option = CommandLineOption::parsed<RedisTopology>(
        QStringLiteral("redis-topology"), QStringLiteral("single|sentinel|cluster"),
        QStringLiteral("the private Redis: one server; a primary, a replica and three "
                       "Sentinels (quorum 2) that fail over when the primary dies; or a Redis "
                       "Cluster of 3 or more shards"),
        parseRedisTopology, std::move(store));
    return option.withDefault(redisTopologyName(RedisTopology::Single));
}

CommandLineOption FarmFlags::redisShards(int &target)
{
    return CommandLineOption::integer(QStringLiteral("redis-shards"), QStringLiteral("N"),
        QStringLiteral("with --redis-topology cluster: how many primaries share the 16384 slots"),
        {RedisClusterGroup::kMinShards, RedisClusterGroup::kMaxShards}, target);
}

CommandLineOption FarmFlags::redisReplicas(int &target)
{
    return CommandLineOption::integer(QStringLiteral("redis-replicas"), QStringLiteral("N"),
        QStringLiteral("with --redis-topology cluster: replicas per shard (1: a shard's replica "
                       "takes over when its primary dies)"),
        {0, 1}, target);
}

CommandLineOption FarmFlags::nodeKind(std::function<void(NodeKind)> store)
{
    CommandLineOption option
        = CommandLineOption::parsed<NodeKind>(QStringLiteral("node-kind"), QStringLiteral("KIND"),
            QStringLiteral("the nodes' server: farmchat (farmchat-node) or aspnetcore (the ASP.NET "
                           "Core SignalR node with AddStackExchangeRedis; off and pubsub only, "
                           "a switch restarts the nodes; needs the .NET SDK to build)"),
            parseNodeKind, std::move(store));
    return option.withDefault(nodeKindName(NodeKind::FarmChat));
}

CommandLineOption FarmFlags::lbPort(quint16 minPort, std::function<void(quint16)> store)
{
    CommandLineOption option
        = CommandLineOption::integer(QStringLiteral("lb-port"), QStringLiteral("P|auto"),
            QStringLiteral("the load balancer listens on 127.0.0.1:P; 0 or auto picks a free port"),
            {minPort, 65535, true},
            [store = std::move(store)](qint64 value) { store(quint16(value)); });
    return option.withDefault(QStringLiteral("auto"));
}

} // namespace farmchat
