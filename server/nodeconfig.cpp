#include "server/nodeconfig.h"

#include "protocol/backplaneoption.h"
#include "protocol/version.h"
#include "redis/redisurl.h"

#include <QUrl>

#include <algorithm>

namespace farmchat {

namespace {

Result<QHostAddress> parseBindAddress(const QString &text)
{
    const QHostAddress address
        = text == u"localhost" ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(text);
    if (address.isNull())
        return Result<QHostAddress>::failure(
            QStringLiteral("must be an IP address such as 127.0.0.1 or ::1, not '%1'").arg(text));
    return address;
}

Result<QString> checkNodeId(const QString &id)
{
    if (id.isEmpty() || id.size() > 64)
        return Result<QString>::failure(QStringLiteral("must be 1 to 64 characters"));
    for (QChar c : id) {
        if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != u'-' && c != u'_' && c != u'.')
            return Result<QString>::failure(
                QStringLiteral("may hold only letters, digits, '-', '_' and '.', not '%1'")
                    .arg(id));
    }
    return id;
}

// redis://[user@]host[:port][/db] or unix:///path (RedisUrl). A user name is
// fine (a Redis ACL user, docs/SECURITY.md); a password is refused before the
// text is echoed anywhere, since argv is readable by other users.
Result<QString> checkRedisUrl(const QString &text)
{
    const auto url = RedisUrl::parse(text);
    if (!url)
        return Result<QString>::failure(url.error());
    return text;
}

Result<QString> checkChannelPrefix(const QString &prefix)
{
    if (prefix.isEmpty() || prefix.size() > 64)
        return Result<QString>::failure(QStringLiteral("must be 1 to 64 characters"));
    for (QChar c : prefix) {
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7f)
            return Result<QString>::failure(
                QStringLiteral("may hold only printable ASCII without spaces"));
    }
    return prefix;
}

Result<QString> checkOrigin(const QString &text)
{
    if (auto origin = NodeConfig::normaliseOrigin(text))
        return origin;
    return Result<QString>::failure(
        QStringLiteral("must be an origin such as http://127.0.0.1:9091, not '%1'").arg(text));
}

// "0", or a whole number with a unit: ms, s, m, h, d. Milliseconds; at most
// 365 days (PEXPIRE takes far more, a year is already "never" for a chat).
Result<qint64> parseDuration(const QString &text)
{
    static constexpr std::pair<const char *, qint64> kUnits[] {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    const auto bad = [&text] {
        return Result<qint64>::failure(
            QStringLiteral("must be 0 or a whole number with a unit (ms, s, m, h, d) such as "
                           "24h, not '%1'")
                .arg(text.left(64)));
    };
    if (text == u"0")
        return qint64(0);
    for (const auto &[unit, factor] : kUnits) {
        const QLatin1StringView suffix(unit);
        if (!text.endsWith(suffix))
            continue;
        const QStringView digits = QStringView(text).chopped(suffix.size());
        // "5m" must not be read as "5" + "m" when it ends in "ms", nor "5ms" as "5m" + "s".
        if (digits.isEmpty() || !std::all_of(digits.begin(), digits.end(), [](QChar c) {
                return c >= u'0' && c <= u'9';
            }))
            continue;
        bool ok = false;
        const qint64 value = digits.toLongLong(&ok);
        constexpr qint64 kMaxMs = 365LL * 86400000;
        if (!ok || value > kMaxMs / factor || value * factor > kMaxMs)
            return Result<qint64>::failure(QStringLiteral("must be at most 365d"));
        return value * factor;
    }
    return bad();
}

// Checks a "HOST:PORT,..." flag (Sentinels, cluster seeds), keeping its text.
std::function<Result<QString>(const QString &)> endpointListCheck(
    quint16 defaultPort, const QString &what)
{
    return [defaultPort, what](const QString &text) -> Result<QString> {
        const auto list = parseEndpointList(text, defaultPort, what);
        if (!list)
            return Result<QString>::failure(list.error());
        return text;
    };
}

// Who the node is and what it talks to.
QList<CommandLineOption> identityOptions(NodeConfig &c)
{
    using Option = CommandLineOption;
    auto port = Option::integer(QStringLiteral("port"), QStringLiteral("PORT"),
        QStringLiteral("TCP port; 0 picks a free one"), {0, 65535}, c.port);
    auto bind = Option::parsed<QHostAddress>(QStringLiteral("bind"), QStringLiteral("ADDRESS"),
        QStringLiteral("address to listen on"), parseBindAddress,
        [&c](QHostAddress address) { c.bindAddress = address; });
    auto nodeId = Option::parsed<QString>(QStringLiteral("node-id"), QStringLiteral("ID"),
        QStringLiteral("name of this node in messages and metrics"), checkNodeId,
        [&c](QString id) { c.nodeId = id; });
    auto redis = Option::parsed<QString>(QStringLiteral("redis"), QStringLiteral("URL"),
        QStringLiteral("Redis for the backplane, redis://HOST:PORT/DB (password: "
                       "FARMCHAT_REDIS_PASSWORD)"),
        checkRedisUrl, [&c](QString url) { c.redisUrl = url; });
    auto sentinels
        = Option::parsed<QString>(QStringLiteral("redis-sentinel"), QStringLiteral("HOST:PORT,..."),
            QStringLiteral("find the Redis primary through these Sentinels instead of --redis "
                           "(password: FARMCHAT_SENTINEL_PASSWORD; Redis's own: "
                           "FARMCHAT_REDIS_PASSWORD)"),
            endpointListCheck(26379, QStringLiteral("Sentinel")),
            [&c](QString text) { c.redisSentinels = text; });
    auto cluster
        = Option::parsed<QString>(QStringLiteral("redis-cluster"), QStringLiteral("HOST:PORT,..."),
            QStringLiteral("a Redis Cluster (some of its nodes) instead of --redis: pubsub is "
                           "sharded, SPUBLISH/SSUBSCRIBE on each room's shard (password: "
                           "FARMCHAT_REDIS_PASSWORD)"),
            endpointListCheck(6379, QStringLiteral("cluster")),
            [&c](QString text) { c.redisCluster = text; });
    auto masterName = Option::text(QStringLiteral("redis-master-name"), QStringLiteral("NAME"),
        QStringLiteral("the primary's name in Sentinel"),
        [&c](const QString &text) -> Result<void> {
            if (text.isEmpty() || text.contains(u' '))
                return Result<void>::failure(QStringLiteral("a name without spaces"));
            c.redisMasterName = text;
            return {};
        });
    auto backplane = backplaneOption(QStringLiteral("off without --redis, else pubsub"),
        [&c](BackplaneMode mode) { c.backplane = mode; });
    auto prefix = Option::parsed<QString>(QStringLiteral("channel-prefix"),
        QStringLiteral("PREFIX"), QStringLiteral("prefix of Redis channel and stream names"),
        checkChannelPrefix, [&c](QString text) { c.channelPrefix = text; });
    auto origin = Option::parsed<QString>(QStringLiteral("allowed-origin"), QStringLiteral("URL"),
        QStringLiteral("another browser origin allowed to connect"), checkOrigin,
        [&c](QString text) {
            if (!c.allowedOrigins.contains(text))
                c.allowedOrigins << text;
        });
    auto publicUrl = Option::parsed<QString>(QStringLiteral("public-url"), QStringLiteral("URL"),
        QStringLiteral("an address clients reach this node through, e.g. a load balancer's "
                       "http://127.0.0.1:8080; its Host and Origin are accepted (repeatable)"),
        checkOrigin, [&c](QString text) {
            if (!c.publicUrls.contains(text))
                c.publicUrls << text;
        });
    return {port, bind.withDefault(QStringLiteral("127.0.0.1")),
        nodeId.withDefault(QStringLiteral("node-<port>")), redis, sentinels, cluster,
        masterName.withDefault(c.redisMasterName), backplane, prefix.withDefault(c.channelPrefix),
        origin.allowRepeats(), publicUrl.allowRepeats()};
}

// How much the node holds and how long it waits.
QList<CommandLineOption> limitOptions(NodeConfig &c)
{
    using Option = CommandLineOption;
    auto integer = [](const char *name, const char *valueName, const char *help, IntegerRange range,
                       auto &target) {
        return Option::integer(
            QLatin1String(name), QLatin1String(valueName), QLatin1String(help), range, target);
    };
    constexpr qint64 kHour = 3600000;
    return {
        integer("history", "N", "messages kept per room", {1, 1000000}, c.history),
        integer("max-message-bytes", "BYTES", "largest WebSocket message accepted",
            {256, 64 * 1024 * 1024}, c.maxMessageBytes),
        integer(
            "max-connections", "N", "WebSocket clients at once", {1, 1000000}, c.maxConnections),
        integer("send-queue-bytes", "BYTES",
            "unsent bytes per client before it is dropped as too slow", {1024, qint64(1) << 32},
            c.sendQueueBytes),
        integer("keepalive-ms", "MS", "ping interval when idle", {10, kHour}, c.keepAliveMs),
        integer("client-timeout-ms", "MS", "drop a client silent this long", {10, kHour},
            c.clientTimeoutMs),
        integer("handshake-timeout-ms", "MS", "time allowed for HTTP headers and the hub handshake",
            {10, kHour}, c.handshakeTimeoutMs),
        integer(
            "rate-limit", "N", "hub invocations per second per client", {1, 1000000}, c.rateLimit),
        integer("outbox", "N", "streams mode: messages held while Redis is down", {1, 10000000},
            c.outboxCapacity),
        integer("stream-wait-replicas", "N",
            "streams mode: a send is confirmed once N Redis replicas have it (WAIT), so a failover "
            "cannot lose it; when they do not confirm in time the sender is warned",
            {0, 16}, c.streamWaitReplicas),
        integer("stream-wait-timeout", "MS", "streams mode: how long a send waits for replicas",
            {1, 60000}, c.streamWaitTimeoutMs),
        Option::parsed<qint64>(QStringLiteral("room-idle-ttl"), QStringLiteral("TIME"),
            QStringLiteral("streams mode: a room's Redis stream is removed after TIME without a "
                           "message, e.g. 24h, 30m, 90s, 500ms; 0 keeps rooms for ever"),
            parseDuration, [&c](qint64 ms) { c.roomIdleTtlMs = ms; })
            .withDefault(QStringLiteral("24h")),
    };
}

// Worth saying before the node runs: settings that work against each other
// or expose more than the user may think.
QStringList startWarnings(const NodeConfig &c)
{
    QStringList warnings;
    if (c.clientTimeoutMs <= c.keepAliveMs)
        warnings << QStringLiteral(
            "warning: --client-timeout-ms (%1) is not above --keepalive-ms (%2); "
            "idle clients may be dropped")
                        .arg(c.clientTimeoutMs)
                        .arg(c.keepAliveMs);
    if (!c.adminToken.isEmpty() && c.adminToken.size() < 16)
        warnings << QStringLiteral("warning: FARMCHAT_ADMIN_TOKEN is shorter than 16 characters; "
                                   "use a long random token");
    if (c.bindsBeyondLoopback())
        warnings << QStringLiteral(
            "warning: --bind %1 exposes this node beyond this machine: the chat, "
            "every room's history, /health and /metrics are readable without a "
            "login and travel unencrypted")
                        .arg(c.bindAddress.toString());
    return warnings;
}

bool isLoopback(const QHostAddress &address)
{
    return address.isLoopback();
}

} // namespace

Result<QString> NodeConfig::normaliseOrigin(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https")
        || url.host().isEmpty())
        return Result<QString>::failure(QStringLiteral("not an http(s) URL with a host"));
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment()
        || (!url.path().isEmpty() && url.path() != u"/"))
        return Result<QString>::failure(
            QStringLiteral("an origin has no user, path, query or fragment"));
    const int defaultPort = url.scheme() == u"http" ? 80 : 443;
    const int port = url.port(defaultPort);
    QString host = url.host(QUrl::FullyEncoded).toLower();
    if (host.contains(u':'))
        host = u'[' + host + u']';
    QString origin = url.scheme() + QStringLiteral("://") + host;
    if (port != defaultPort)
        origin += u':' + QString::number(port);
    return origin;
}

bool NodeConfig::bindsBeyondLoopback() const
{
    return !isLoopback(bindAddress);
}

QString NodeConfig::bindHostForUrl() const
{
    if (bindAddress.protocol() == QAbstractSocket::IPv6Protocol)
        return u'[' + bindAddress.toString() + u']';
    return bindAddress.toString();
}

Result<CommandLineRequest<NodeConfig>> NodeConfig::parse(
    const QStringList &arguments, const QProcessEnvironment &environment)
{
    using Request = CommandLineRequest<NodeConfig>;
    NodeConfig c;
    CommandLine cli(kProgram, QStringLiteral(FARMCHAT_VERSION),
        QStringLiteral("One FarmChat chat node: HTTP and a SignalR JSON hub (WebSocket) on one "
                       "port.\nSecrets come from the environment: FARMCHAT_REDIS_PASSWORD, "
                       "FARMCHAT_SENTINEL_PASSWORD, FARMCHAT_ADMIN_TOKEN."),
        identityOptions(c) + limitOptions(c));
    if (const Result<void> read = cli.parse(arguments); !read)
        return Result<Request>::failure(read.error());
    if (const auto text = cli.requestedText())
        return Request::print(*text);
    if (int(!c.redisUrl.isEmpty()) + int(!c.redisSentinels.isEmpty())
            + int(!c.redisCluster.isEmpty())
        > 1)
        return Result<Request>::failure(
            QStringLiteral("--redis, --redis-sentinel and --redis-cluster exclude each other"));
    if (!cli.isSet(QStringLiteral("backplane")))
        c.backplane = c.hasRedis() ? BackplaneMode::PubSub : BackplaneMode::Off;
    else if (c.backplane != BackplaneMode::Off && !c.hasRedis())
        return Result<Request>::failure(
            QStringLiteral("--backplane %1 needs --redis URL, --redis-sentinel or --redis-cluster")
                .arg(modeName(c.backplane)));
    c.redisPassword = environment.value(QStringLiteral("FARMCHAT_REDIS_PASSWORD")).toUtf8();
    c.sentinelPassword = environment.value(QStringLiteral("FARMCHAT_SENTINEL_PASSWORD")).toUtf8();
    c.adminToken = environment.value(QStringLiteral("FARMCHAT_ADMIN_TOKEN")).toUtf8();
    const QStringList warnings = startWarnings(c);
    return Request::run(std::move(c), warnings);
}

} // namespace farmchat
