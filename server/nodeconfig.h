#pragma once

#include "core/commandline.h"
#include "core/result.h"
#include "protocol/backplanemode.h"
#include "protocol/limits.h"
#include "protocol/roomchannel.h"

#include <QByteArray>
#include <QHostAddress>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace farmchat {

// Everything a node is told at start: flags (docs/NODE.md) and secrets from
// the environment. Built by parse() from argv; main() and tests use it the same way.
struct NodeConfig
{
    static constexpr QLatin1StringView kProgram {"farmchat-node"};

    quint16 port = 9090; // 0: a free port chosen by the OS
    QHostAddress bindAddress = QHostAddress(QHostAddress::LocalHost);
    QString nodeId; // empty: "node-<port>" with the real port
    QString redisUrl; // empty: no Redis, only backplane `off`
    // Redis through Sentinel instead of redisUrl (--redis-sentinel, --redis-master-name).
    QString redisSentinels;
    // A Redis Cluster instead (--redis-cluster HOST:PORT,...): sharded pub/sub.
    QString redisCluster;
    QString redisMasterName = QStringLiteral("farmchat");
    BackplaneMode backplane = BackplaneMode::Off;
    QString channelPrefix = kDefaultChannelPrefix;
    int history = limits::kDefaultHistory;
    qint64 maxMessageBytes = limits::kMaxMessageBytes;
    QStringList allowedOrigins; // normalised "scheme://host[:port]"
    QStringList publicUrls; // --public-url, normalised like origins: a balancer in front

    int maxConnections = limits::kMaxConnectionsPerNode;
    qint64 sendQueueBytes = limits::kMaxSendQueueBytes;
    int keepAliveMs = limits::kKeepAliveMs;
    int clientTimeoutMs = limits::kClientTimeoutMs;
    int handshakeTimeoutMs = limits::kHandshakeTimeoutMs;
    int rateLimit = limits::kInvocationsPerSecond; // invocations per second, burst of the same size
    int outboxCapacity = limits::kOutboxCapacity; // streams: messages held while Redis is down
    qint64 roomIdleTtlMs = limits::kRoomIdleTtlMs; // streams: idle rooms' streams expire; 0: never
    int streamWaitReplicas = 0; // streams: WAIT for this many replicas per message; 0: no WAIT
    int streamWaitTimeoutMs = 500; // streams: how long WAIT may take
    QByteArray redisPassword; // FARMCHAT_REDIS_PASSWORD
    QByteArray sentinelPassword; // FARMCHAT_SENTINEL_PASSWORD
    bool hasRedis() const
    {
        return !redisUrl.isEmpty() || !redisSentinels.isEmpty() || !redisCluster.isEmpty();
    }
    QByteArray adminToken; // FARMCHAT_ADMIN_TOKEN; empty: admin API disabled

    // Reads the command line (without the program's name) and the secrets.
    // Never prints or exits: main() does, through CommandLine::finish().
    static Result<CommandLineRequest<NodeConfig>> parse(
        const QStringList &arguments, const QProcessEnvironment &environment);

    // True when --bind is neither a loopback address nor "localhost".
    bool bindsBeyondLoopback() const;
    // The bind address as it appears in URLs: "127.0.0.1", "[::1]".
    QString bindHostForUrl() const;

    // "http://host:port" or "https://host" in the form browsers send as Origin;
    // fails when `text` is not an origin.
    static Result<QString> normaliseOrigin(const QString &text);
};

} // namespace farmchat
