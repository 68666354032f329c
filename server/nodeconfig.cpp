#include "server/nodeconfig.h"

#include "protocol/version.h"
#include "redis/redisurl.h"

#include <QCommandLineParser>
#include <QUrl>

namespace farmchat {

namespace {

constexpr int kUsageError = 2;

struct IntFlag
{
    const char *name;
    qint64 min;
    qint64 max;
};

// Reads an integer flag, or names the flag and the accepted range.
std::optional<qint64> readInt(
    const QCommandLineParser &parser, const IntFlag &flag, qint64 fallback, QString *error)
{
    const QString name = QLatin1String(flag.name);
    if (!parser.isSet(name))
        return fallback;
    const QString text = parser.value(name);
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < flag.min || value > flag.max) {
        *error = QStringLiteral("--%1 must be a whole number from %2 to %3 (got '%4')")
                     .arg(name)
                     .arg(flag.min)
                     .arg(flag.max)
                     .arg(text);
        return std::nullopt;
    }
    return value;
}

QString checkNodeId(const QString &id)
{
    if (id.isEmpty() || id.size() > 64)
        return QStringLiteral("--node-id must be 1 to 64 characters");
    for (QChar c : id) {
        if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != u'-' && c != u'_' && c != u'.')
            return QStringLiteral(
                "--node-id may hold only letters, digits, '-', '_' and '.' (got '%1')")
                .arg(id);
    }
    return {};
}

// redis://[user@]host[:port][/db] or unix:///path (RedisUrl). A user name is
// fine (a Redis ACL user, docs/SECURITY.md); a password is refused before the
// text is echoed anywhere, since argv is readable by other users.
QString checkRedisUrl(const QString &text)
{
    const auto url = RedisUrl::parse(text);
    if (!url)
        return QStringLiteral("--redis: ") + url.error();
    return {};
}

QString checkChannelPrefix(const QString &prefix)
{
    if (prefix.isEmpty() || prefix.size() > 64)
        return QStringLiteral("--channel-prefix must be 1 to 64 characters");
    for (QChar c : prefix) {
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7f)
            return QStringLiteral("--channel-prefix may hold only printable ASCII without spaces");
    }
    return {};
}

bool isLoopback(const QHostAddress &address)
{
    return address.isLoopback();
}

} // namespace

std::optional<QString> NodeConfig::normaliseOrigin(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https")
        || url.host().isEmpty())
        return std::nullopt;
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment()
        || (!url.path().isEmpty() && url.path() != u"/"))
        return std::nullopt;
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

NodeConfigParse NodeConfig::parse(
    const QStringList &arguments, const QProcessEnvironment &environment)
{
    NodeConfigParse result;
    auto usage = [&result](const QString &message) {
        result.exitCode = kUsageError;
        result.error = message + QStringLiteral("\nRun with --help for the list of options.");
        return result;
    };

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "One FarmChat chat node: HTTP and a SignalR JSON hub (WebSocket) on one port.\n"
        "Secrets come from the environment: FARMCHAT_REDIS_PASSWORD, FARMCHAT_ADMIN_TOKEN."));
    const auto help = parser.addHelpOption();
    const auto version = parser.addVersionOption();
    const NodeConfig d;
    auto opt = [&parser](const char *name, const QString &description, const QString &valueName,
                   const QString &def = {}) {
        QCommandLineOption o(QLatin1String(name), description, valueName);
        if (!def.isEmpty())
            o.setDescription(description + QStringLiteral(" (default: %1)").arg(def));
        parser.addOption(o);
    };
    opt("port", QStringLiteral("TCP port; 0 picks a free one"), QStringLiteral("port"),
        QString::number(d.port));
    opt("bind", QStringLiteral("address to listen on"), QStringLiteral("address"),
        QStringLiteral("127.0.0.1"));
    opt("node-id", QStringLiteral("name of this node in messages and metrics"),
        QStringLiteral("id"), QStringLiteral("node-<port>"));
    opt("redis",
        QStringLiteral(
            "Redis for the backplane, redis://HOST:PORT/DB (password: FARMCHAT_REDIS_PASSWORD)"),
        QStringLiteral("url"));
    opt("backplane", QStringLiteral("off, pubsub or streams"), QStringLiteral("mode"),
        QStringLiteral("off without --redis, else pubsub"));
    opt("channel-prefix", QStringLiteral("prefix of Redis channel and stream names"),
        QStringLiteral("prefix"), d.channelPrefix);
    opt("history", QStringLiteral("messages kept per room"), QStringLiteral("n"),
        QString::number(d.history));
    opt("max-message-bytes", QStringLiteral("largest WebSocket message accepted"),
        QStringLiteral("bytes"), QString::number(d.maxMessageBytes));
    opt("allowed-origin", QStringLiteral("another browser origin allowed to connect (repeatable)"),
        QStringLiteral("url"));
    opt("max-connections", QStringLiteral("WebSocket clients at once"), QStringLiteral("n"),
        QString::number(d.maxConnections));
    opt("send-queue-bytes",
        QStringLiteral("unsent bytes per client before it is dropped as too slow"),
        QStringLiteral("bytes"), QString::number(d.sendQueueBytes));
    opt("keepalive-ms", QStringLiteral("ping interval when idle"), QStringLiteral("ms"),
        QString::number(d.keepAliveMs));
    opt("client-timeout-ms", QStringLiteral("drop a client silent this long"), QStringLiteral("ms"),
        QString::number(d.clientTimeoutMs));
    opt("handshake-timeout-ms",
        QStringLiteral("time allowed for HTTP headers and the hub handshake"), QStringLiteral("ms"),
        QString::number(d.handshakeTimeoutMs));
    opt("rate-limit", QStringLiteral("hub invocations per second per client"), QStringLiteral("n"),
        QString::number(d.rateLimit));
    opt("outbox", QStringLiteral("streams mode: messages held while Redis is down"),
        QStringLiteral("n"), QString::number(d.outboxCapacity));

    QStringList argv = arguments;
    if (argv.isEmpty())
        argv << QStringLiteral("farmchat-node");
    if (!parser.parse(argv))
        return usage(parser.errorText());
    if (parser.isSet(help)) {
        result.output = parser.helpText();
        return result;
    }
    if (parser.isSet(version)) {
        result.output = QStringLiteral("farmchat-node %1\n").arg(QLatin1String(FARMCHAT_VERSION));
        return result;
    }
    if (!parser.positionalArguments().isEmpty())
        return usage(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    const QStringList single
        = {QStringLiteral("port"), QStringLiteral("bind"), QStringLiteral("node-id"),
            QStringLiteral("redis"), QStringLiteral("backplane"), QStringLiteral("history")};
    for (const QString &name : single) {
        if (parser.values(name).size() > 1)
            return usage(QStringLiteral("--%1 given more than once").arg(name));
    }

    NodeConfig c;
    QString error;
    const auto port = readInt(parser, {"port", 0, 65535}, c.port, &error);
    const auto history = readInt(parser, {"history", 1, 1000000}, c.history, &error);
    const auto maxMessage
        = readInt(parser, {"max-message-bytes", 256, 64 * 1024 * 1024}, c.maxMessageBytes, &error);
    const auto maxConnections
        = readInt(parser, {"max-connections", 1, 1000000}, c.maxConnections, &error);
    const auto sendQueue
        = readInt(parser, {"send-queue-bytes", 1024, qint64(1) << 32}, c.sendQueueBytes, &error);
    const auto keepAlive = readInt(parser, {"keepalive-ms", 10, 3600000}, c.keepAliveMs, &error);
    const auto clientTimeout
        = readInt(parser, {"client-timeout-ms", 10, 3600000}, c.clientTimeoutMs, &error);
    const auto handshakeTimeout
        = readInt(parser, {"handshake-timeout-ms", 10, 3600000}, c.handshakeTimeoutMs, &error);
    const auto rateLimit = readInt(parser, {"rate-limit", 1, 1000000}, c.rateLimit, &error);
    const auto outbox = readInt(parser, {"outbox", 1, 10000000}, c.outboxCapacity, &error);
    if (!error.isEmpty())
        return usage(error);
    c.port = quint16(*port);
    c.history = int(*history);
    c.maxMessageBytes = *maxMessage;
    c.maxConnections = int(*maxConnections);
    c.sendQueueBytes = *sendQueue;
    c.keepAliveMs = int(*keepAlive);
    c.clientTimeoutMs = int(*clientTimeout);
    c.handshakeTimeoutMs = int(*handshakeTimeout);
    c.rateLimit = int(*rateLimit);
    c.outboxCapacity = int(*outbox);
    if (c.clientTimeoutMs <= c.keepAliveMs)
        result.warnings << QStringLiteral(
            "warning: --client-timeout-ms (%1) is not above --keepalive-ms (%2); "
            "idle clients may be dropped")
                               .arg(c.clientTimeoutMs)
                               .arg(c.keepAliveMs);

    if (parser.isSet(QStringLiteral("bind"))) {
        const QString bind = parser.value(QStringLiteral("bind"));
        const QHostAddress address
            = bind == u"localhost" ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(bind);
        if (address.isNull())
            return usage(
                QStringLiteral("--bind must be an IP address such as 127.0.0.1 or ::1 (got '%1')")
                    .arg(bind));
        c.bindAddress = address;
    }
    if (parser.isSet(QStringLiteral("node-id"))) {
        c.nodeId = parser.value(QStringLiteral("node-id"));
        if (const QString why = checkNodeId(c.nodeId); !why.isEmpty())
            return usage(why);
    }
    if (parser.isSet(QStringLiteral("redis"))) {
        c.redisUrl = parser.value(QStringLiteral("redis"));
        if (const QString why = checkRedisUrl(c.redisUrl); !why.isEmpty())
            return usage(why);
    }
    c.backplane = c.redisUrl.isEmpty() ? BackplaneMode::Off : BackplaneMode::PubSub;
    if (parser.isSet(QStringLiteral("backplane"))) {
        const auto mode = parseBackplaneMode(parser.value(QStringLiteral("backplane")));
        if (!mode)
            return usage(QStringLiteral("--backplane must be off, pubsub or streams (got '%1')")
                             .arg(parser.value(QStringLiteral("backplane"))));
        c.backplane = mode.value();
        if (c.backplane != BackplaneMode::Off && c.redisUrl.isEmpty())
            return usage(
                QStringLiteral("--backplane %1 needs --redis URL").arg(modeName(c.backplane)));
    }
    if (parser.isSet(QStringLiteral("channel-prefix"))) {
        c.channelPrefix = parser.value(QStringLiteral("channel-prefix"));
        if (const QString why = checkChannelPrefix(c.channelPrefix); !why.isEmpty())
            return usage(why);
    }
    for (const QString &origin : parser.values(QStringLiteral("allowed-origin"))) {
        const auto normalised = normaliseOrigin(origin);
        if (!normalised)
            return usage(QStringLiteral(
                "--allowed-origin must be an origin such as http://127.0.0.1:9091 (got '%1')")
                             .arg(origin));
        if (!c.allowedOrigins.contains(*normalised))
            c.allowedOrigins << *normalised;
    }

    c.redisPassword = environment.value(QStringLiteral("FARMCHAT_REDIS_PASSWORD")).toUtf8();
    c.adminToken = environment.value(QStringLiteral("FARMCHAT_ADMIN_TOKEN")).toUtf8();
    if (!c.adminToken.isEmpty() && c.adminToken.size() < 16)
        result.warnings << QStringLiteral(
            "warning: FARMCHAT_ADMIN_TOKEN is shorter than 16 characters; "
            "use a long random token");
    if (c.bindsBeyondLoopback())
        result.warnings << QStringLiteral(
            "warning: --bind %1 exposes this node beyond this machine: the chat, "
            "every room's history, /health and /metrics are readable without a "
            "login and travel unencrypted")
                               .arg(c.bindAddress.toString());
    result.config = std::move(c);
    return result;
}

} // namespace farmchat
