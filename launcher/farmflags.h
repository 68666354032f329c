#pragma once

#include "core/commandline.h"
#include "launcher/lbpolicy.h"
#include "launcher/nodekind.h"
#include "launcher/redisconfig.h"

#include <functional>

namespace farmchat {

// The options that size a farm, defined once for farmchat-launcher and
// farmchat so that --nodes and --base-port read, check and complain alike in
// both; each program gives only its own limits and defaults (the app shows at
// most 8 panes and no port below 1024). --backplane is shared with the node
// as well (protocol/backplaneoption.h).
struct FarmFlags
{
    static CommandLineOption nodes(int maxNodes, int defaultNodes, std::function<void(int)> store);
    // 0, from "0" or "auto", stands for free ports picked when the farm starts.
    static CommandLineOption basePort(
        quint16 minPort, quint16 defaultPort, std::function<void(quint16)> store);
    // --redis-maxmemory SIZE: the private Redis's cap, "256mb", "1gb", "0" (none).
    static CommandLineOption redisMaxMemory(qint64 defaultBytes, std::function<void(qint64)> store);
    // "0", or a whole number of bytes with an optional unit kb, mb, gb (1024
    // based, any case), as redis.conf reads it; a cap is at least 4mb (Redis
    // itself needs about 1 MB before it holds any data).
    static Result<qint64> parseMemorySize(const QString &text);
    // 268435456 -> "256mb", for help texts and settings.
    static QString formatMemorySize(qint64 bytes);
    // --lb none|round-robin|sticky|source and --lb-port PORT|auto (0).
    static CommandLineOption loadBalancer(std::function<void(LbPolicy)> store);
    static CommandLineOption lbPort(quint16 minPort, std::function<void(quint16)> store);
    // --redis-topology single|sentinel|cluster (default single).
    static CommandLineOption redisTopology(std::function<void(RedisTopology)> store);
    // --redis-shards N (3…8) and --redis-replicas N (0, 1): a cluster's shape.
    static CommandLineOption redisShards(int &target);
    static CommandLineOption redisReplicas(int &target);
    // --node-kind farmchat|aspnetcore (default farmchat).
    static CommandLineOption nodeKind(std::function<void(NodeKind)> store);
};

} // namespace farmchat
