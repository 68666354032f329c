#include "app/appoptions.h"

#include "app/appsettings.h"
#include "protocol/version.h"

#include <QCommandLineParser>

namespace farmchat {

namespace {

AppOptionsParse usageError(const QString &error)
{
    AppOptionsParse result;
    result.exitCode = 2;
    result.error = error;
    return result;
}

} // namespace

QString AppOptions::helpText()
{
    return QStringLiteral(
        "Usage: farmchat [options]\n"
        "\n"
        "FarmChat desktop app: launches a local web farm (N chat nodes and a private\n"
        "redis-server on 127.0.0.1), opens a chat pane on every node and shows each\n"
        "message crossing, or not, between nodes with the Redis backplane off, pub/sub\n"
        "or streams. Flags override the settings remembered from the last run.\n"
        "\n"
        "Options:\n"
        "  --nodes N           number of nodes, 1 to 8 (default 2)\n"
        "  --base-port P       nodes listen on P, P+1, ... (default 9090)\n"
        "  --backplane MODE    off, pubsub or streams (default off)\n"
        "  --autostart         launch the farm as soon as the window opens\n"
        "  -h, --help          show this help\n"
        "  --version           show the version\n"
        "\n"
        "Environment: FARMCHAT_NODE_BIN (the farmchat-node to run), FARMCHAT_REDIS_SERVER\n"
        "(the redis-server to run).\n");
}

QString AppOptions::versionText()
{
    return QStringLiteral("farmchat " FARMCHAT_VERSION "\n");
}

AppOptionsParse AppOptions::parse(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, {});
    const QCommandLineOption version(QStringLiteral("version"), {});
    const QCommandLineOption nodes(QStringLiteral("nodes"), {}, QStringLiteral("N"));
    const QCommandLineOption basePort(QStringLiteral("base-port"), {}, QStringLiteral("P"));
    const QCommandLineOption backplane(QStringLiteral("backplane"), {}, QStringLiteral("MODE"));
    const QCommandLineOption autostart(QStringLiteral("autostart"), {});
    parser.addOptions({help, version, nodes, basePort, backplane, autostart});

    // arguments[0] is the program, as QCommandLineParser expects.
    if (!parser.parse(QStringList {QStringLiteral("farmchat")} + arguments))
        return usageError(parser.errorText());
    if (!parser.positionalArguments().isEmpty())
        return usageError(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));

    AppOptionsParse result;
    if (parser.isSet(help)) {
        result.output = helpText();
        return result;
    }
    if (parser.isSet(version)) {
        result.output = versionText();
        return result;
    }

    AppOptions options;
    if (parser.isSet(nodes)) {
        bool ok = false;
        const int value = parser.value(nodes).trimmed().toInt(&ok);
        if (!ok || value < AppSettings::kMinNodes || value > AppSettings::kMaxNodes)
            return usageError(QStringLiteral("--nodes must be a number from %1 to %2, not '%3'")
                                  .arg(AppSettings::kMinNodes)
                                  .arg(AppSettings::kMaxNodes)
                                  .arg(parser.value(nodes)));
        options.nodes = value;
    }
    if (parser.isSet(basePort)) {
        bool ok = false;
        const uint value = parser.value(basePort).trimmed().toUInt(&ok);
        if (!ok || value < AppSettings::kMinPort || value > 65535)
            return usageError(
                QStringLiteral("--base-port must be a port from %1 to 65535, not '%2'")
                    .arg(AppSettings::kMinPort)
                    .arg(parser.value(basePort)));
        options.basePort = quint16(value);
    }
    if (parser.isSet(backplane)) {
        const auto mode = parseBackplaneMode(parser.value(backplane));
        if (!mode)
            return usageError(QStringLiteral("--backplane: %1").arg(mode.error()));
        options.backplane = mode.value();
    }
    options.autostart = parser.isSet(autostart);
    result.options = options;
    return result;
}

void AppOptions::applyTo(AppSettings &settings) const
{
    if (nodes)
        settings.nodes = *nodes;
    if (basePort)
        settings.basePort = *basePort;
    if (backplane)
        settings.backplane = *backplane;
}

} // namespace farmchat
