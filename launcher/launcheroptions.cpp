#include "launcher/launcheroptions.h"

#include "protocol/version.h"
#include "redis/redisurl.h"

#include <QCommandLineParser>
#include <QHostAddress>

namespace farmchat {

namespace {

LauncherOptionsParse usageError(const QString &error)
{
    LauncherOptionsParse result;
    result.exitCode = 2;
    result.error = error;
    return result;
}

std::optional<quint16> parsePort(const QString &text, bool allowZero)
{
    bool ok = false;
    const uint value = text.trimmed().toUInt(&ok);
    if (!ok || value > 65535 || (value == 0 && !allowZero))
        return std::nullopt;
    return quint16(value);
}

} // namespace

QString LauncherOptions::helpText()
{
    return QStringLiteral(
        "Usage: farmchat-launcher [options]\n"
        "\n"
        "Starts a local FarmChat web farm: a private redis-server and N farmchat-node\n"
        "processes on 127.0.0.1, waits until every node answers /health, prints where\n"
        "they are, and keeps them running until Ctrl-C (or SIGTERM) stops them all.\n"
        "\n"
        "Options:\n"
        "  --nodes N             number of nodes, 1 to 16 (default 2)\n"
        "  --base-port P|auto    nodes listen on P, P+1, ... (default 9090);\n"
        "                        0 or auto picks free ports\n"
        "  --ports LIST          explicit node ports, e.g. 9090,9091 (sets --nodes)\n"
        "  --backplane MODE      off, pubsub or streams (default pubsub)\n"
        "  --redis-server PATH   the redis-server to start (default: $FARMCHAT_REDIS_SERVER,\n"
        "                        then PATH)\n"
        "  --redis-url URL       use this Redis (redis://HOST:PORT/DB) instead of starting\n"
        "                        one; its password comes from $FARMCHAT_REDIS_PASSWORD\n"
        "  --log-dir DIR         keep each process's output in DIR/<name>.log (default: a\n"
        "                        temp dir, shown at start, removed after a clean exit)\n"
        "  --keep-running        restart crashed processes (capped back-off)\n"
        "  --demo                connect one client per node, send from each, print who\n"
        "                        received what, for every backplane mode; exit 0 when each\n"
        "                        mode kept its promise\n"
        "  --demo-modes LIST     modes the demo runs through (default off,pubsub,streams,\n"
        "                        or just --backplane when given); implies --demo\n"
        "  --json                one JSON object per line (events: progress, started,\n"
        "                        healthy, ready, log, exited, matrix, error, stopped)\n"
        "  -h, --help            show this help\n"
        "  --version             show the version\n"
        "\n"
        "Environment: FARMCHAT_NODE_BIN (the farmchat-node to run), FARMCHAT_REDIS_SERVER,\n"
        "FARMCHAT_REDIS_PASSWORD (with --redis-url), NO_COLOR.\n"
        "Exit status: 0 stopped cleanly (or the demo passed), 1 the farm failed to start\n"
        "or the demo found a broken promise, 2 a usage error.\n");
}

LauncherOptionsParse LauncherOptions::parse(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, {});
    const QCommandLineOption version(QStringLiteral("version"), {});
    const QCommandLineOption nodes(QStringLiteral("nodes"), {}, QStringLiteral("N"));
    const QCommandLineOption basePort(QStringLiteral("base-port"), {}, QStringLiteral("P"));
    const QCommandLineOption ports(QStringLiteral("ports"), {}, QStringLiteral("LIST"));
    const QCommandLineOption backplane(QStringLiteral("backplane"), {}, QStringLiteral("MODE"));
    const QCommandLineOption redisServer(
        QStringLiteral("redis-server"), {}, QStringLiteral("PATH"));
    const QCommandLineOption redisUrl(QStringLiteral("redis-url"), {}, QStringLiteral("URL"));
    const QCommandLineOption logDir(QStringLiteral("log-dir"), {}, QStringLiteral("DIR"));
    const QCommandLineOption keepRunning(QStringLiteral("keep-running"), {});
    const QCommandLineOption demo(QStringLiteral("demo"), {});
    const QCommandLineOption demoModes(QStringLiteral("demo-modes"), {}, QStringLiteral("LIST"));
    const QCommandLineOption json(QStringLiteral("json"), {});
    parser.addOptions({help, version, nodes, basePort, ports, backplane, redisServer, redisUrl,
        logDir, keepRunning, demo, demoModes, json});

    // QCommandLineParser wants the program name first.
    if (!parser.parse(QStringList {QStringLiteral("farmchat-launcher")} + arguments))
        return usageError(parser.errorText());
    if (!parser.positionalArguments().isEmpty())
        return usageError(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    for (const QString &name : parser.optionNames()) {
        // Options that take a value may be given once; a second one would be silently ignored.
        if (name != u"demo" && name != u"json" && name != u"keep-running"
            && parser.values(name).size() > 1)
            return usageError(QStringLiteral("--%1 is given more than once").arg(name));
    }
    if (parser.isSet(help)) {
        LauncherOptionsParse result;
        result.output = helpText();
        return result;
    }
    if (parser.isSet(version)) {
        LauncherOptionsParse result;
        result.output = QStringLiteral("farmchat-launcher " FARMCHAT_VERSION "\n");
        return result;
    }

    LauncherOptions options;
    FarmConfig &farm = options.farm;
    QStringList warnings;
    if (parser.isSet(nodes)) {
        bool ok = false;
        farm.nodes = parser.value(nodes).toInt(&ok);
        if (!ok || farm.nodes < 1 || farm.nodes > FarmConfig::kMaxNodes)
            return usageError(
                QStringLiteral("--nodes must be a whole number from 1 to %1, not '%2'")
                    .arg(FarmConfig::kMaxNodes)
                    .arg(parser.value(nodes)));
    }
    if (parser.isSet(basePort) && parser.isSet(ports))
        return usageError(QStringLiteral("--base-port and --ports exclude each other"));
    if (parser.isSet(basePort)) {
        const QString text = parser.value(basePort);
        const auto port = text.compare(u"auto", Qt::CaseInsensitive) == 0
            ? std::optional<quint16>(0)
            : parsePort(text, true);
        if (!port)
            return usageError(
                QStringLiteral("--base-port must be a port (1-65535), 0 or auto, not '%1'")
                    .arg(text));
        farm.basePort = *port;
    }
    if (parser.isSet(ports)) {
        for (const QString &item : parser.value(ports).split(u',')) {
            const auto port = parsePort(item, false);
            if (!port)
                return usageError(
                    QStringLiteral("--ports takes ports 1-65535 separated by commas, not '%1'")
                        .arg(item));
            farm.ports << *port;
        }
        if (!parser.isSet(nodes))
            farm.nodes = int(farm.ports.size());
    }
    if (parser.isSet(backplane)) {
        const auto mode = parseBackplaneMode(parser.value(backplane));
        if (!mode)
            return usageError(QStringLiteral("--backplane: ") + mode.error());
        farm.backplane = mode.value();
    }
    if (parser.isSet(redisServer) && parser.isSet(redisUrl))
        return usageError(QStringLiteral("--redis-server and --redis-url exclude each other"));
    farm.redisServer = parser.value(redisServer);
    if (parser.isSet(redisUrl)) {
        const auto endpoint = RedisUrl::parse(parser.value(redisUrl));
        if (!endpoint)
            return usageError(QStringLiteral("--redis-url: ") + endpoint.error());
        farm.redisUrl = parser.value(redisUrl);
        // The farm itself only listens on loopback; a Redis elsewhere is what
        // this run exposes, so it is named before anything starts.
        const QString host = endpoint->host;
        if (!endpoint->isUnix() && host.compare(u"localhost", Qt::CaseInsensitive) != 0
            && !QHostAddress(host).isLoopback())
            warnings << QStringLiteral(
                "warning: --redis-url %1 is beyond this machine: the Redis password and every "
                "chat message cross the network unencrypted (no TLS), and anyone on that Redis "
                "can read and publish to the farm's channels; use an ACL user limited to them "
                "(docs/SECURITY.md)")
                            .arg(endpoint->endpoint());
    }
    farm.logDir = parser.value(logDir);
    farm.keepRunning = parser.isSet(keepRunning);
    options.json = parser.isSet(json);

    options.demo = parser.isSet(demo) || parser.isSet(demoModes);
    if (parser.isSet(demoModes)) {
        for (const QString &item : parser.value(demoModes).split(u',')) {
            const auto mode = parseBackplaneMode(item);
            if (!mode)
                return usageError(QStringLiteral("--demo-modes: ") + mode.error());
            options.demoModes << mode.value();
        }
    } else if (options.demo) {
        options.demoModes = parser.isSet(backplane)
            ? QList<BackplaneMode> {farm.backplane}
            : QList<BackplaneMode> {
                BackplaneMode::Off, BackplaneMode::PubSub, BackplaneMode::Streams};
    }
    if (options.demo) {
        if (parser.isSet(backplane) && parser.isSet(demoModes)
            && options.demoModes.first() != farm.backplane)
            return usageError(QStringLiteral("--backplane and the first of --demo-modes disagree"));
        farm.backplane = options.demoModes.first();
    }

    if (const QString invalid = farm.validate(); !invalid.isEmpty())
        return usageError(invalid);
    LauncherOptionsParse result;
    result.options = options;
    result.warnings = warnings;
    return result;
}

} // namespace farmchat
