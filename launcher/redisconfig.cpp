#include "launcher/redisconfig.h"

namespace farmchat {

QByteArray quoteRedisConfigString(const QByteArray &text)
{
    QByteArray out = "\"";
    for (const char c : text) {
        const auto u = uchar(c);
        if (c == '"' || c == '\\')
            out += '\\' + QByteArray(1, c);
        else if (u < 0x20 || u == 0x7f)
            out += "\\x" + QByteArray::number(u, 16).rightJustified(2, '0');
        else
            out += c;
    }
    return out + '"';
}

QByteArray RedisConfig::toConfigText() const
{
    // "-::1": listen on IPv6 loopback too where it exists, without failing where it does not.
    return "port " + QByteArray::number(port)
        + "\n"
          "bind 127.0.0.1 -::1\n"
          "protected-mode yes\n"
          "requirepass "
        + password
        + "\n"
          "save \"\"\n"
          "appendonly no\n"
          "dir "
        + quoteRedisConfigString(directory.toUtf8())
        + "\n"
          "daemonize no\n"
          "supervised no\n"
          "logfile \"\"\n"
          "loglevel notice\n"
          "always-show-logo no\n"
          "maxmemory "
        + QByteArray::number(maxMemoryBytes)
        + "\n"
          "maxmemory-policy noeviction\n"
        // No 5 s wait before a full sync: the replica is in sync long before
        // the Sentinels are ready, so the farm's first failover has it.
        + (replicated ? "masterauth " + password + "\nrepl-diskless-sync-delay 0\n" : QByteArray())
        + (replicaOf != 0 ? "replicaof 127.0.0.1 " + QByteArray::number(replicaOf) + "\n"
                          : QByteArray())
        + (clusterBusPort != 0 ? clusterConfigText() : QByteArray());
}

QByteArray RedisConfig::clusterConfigText() const
{
    // The bus port is picked free like the client port (port + 10000 could be
    // anyone's). Rooms on a live shard keep working while another is down,
    // and a shard's replica takes over after the node timeout.
    return "cluster-enabled yes\n"
           "cluster-config-file nodes.conf\n"
           "cluster-port "
        + QByteArray::number(clusterBusPort) + "\ncluster-node-timeout "
        + QByteArray::number(clusterNodeTimeoutMs)
        + "\n"
          "cluster-require-full-coverage no\n"
          "cluster-allow-pubsubshard-when-down yes\n"
          "cluster-replica-validity-factor 0\n";
}

QString redisTopologyName(RedisTopology topology)
{
    switch (topology) {
    case RedisTopology::Sentinel:
        return QStringLiteral("sentinel");
    case RedisTopology::Cluster:
        return QStringLiteral("cluster");
    case RedisTopology::Single:
        break;
    }
    return QStringLiteral("single");
}

Result<RedisTopology> parseRedisTopology(const QString &text)
{
    if (text == u"single")
        return RedisTopology::Single;
    if (text == u"sentinel")
        return RedisTopology::Sentinel;
    if (text == u"cluster")
        return RedisTopology::Cluster;
    return Result<RedisTopology>::failure(
        QStringLiteral("'%1' is not a topology (single, sentinel, cluster)").arg(text));
}

QByteArray SentinelConfig::toConfigText() const
{
    const QByteArray name = masterName.toUtf8();
    const int failoverTimeoutMs = SentinelConfig::failoverTimeoutMs(downAfterMs);
    return "port " + QByteArray::number(port)
        + "\n"
          "bind 127.0.0.1\n"
          "protected-mode no\n"
          "daemonize no\n"
          "logfile \"\"\n"
          "dir "
        + quoteRedisConfigString(directory.toUtf8())
        + "\n"
          "requirepass "
        + password + "\nsentinel sentinel-pass " + password
        + "\n"
          "sentinel resolve-hostnames no\n"
          "sentinel monitor "
        + name + " 127.0.0.1 " + QByteArray::number(primaryPort) + ' ' + QByteArray::number(kQuorum)
        + "\nsentinel auth-pass " + name + ' ' + redisPassword
        + "\nsentinel down-after-milliseconds " + name + ' ' + QByteArray::number(downAfterMs)
        + "\nsentinel failover-timeout " + name + ' ' + QByteArray::number(failoverTimeoutMs)
        + "\nsentinel parallel-syncs " + name + " 1\n";
}

} // namespace farmchat
