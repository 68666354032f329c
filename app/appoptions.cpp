#include "app/appoptions.h"

#include "app/appsettings.h"
#include "launcher/farmflags.h"
#include "launcher/portprobe.h"
#include "launcher/scenariolibrary.h"
#include "protocol/backplaneoption.h"
#include "protocol/version.h"

namespace farmchat {

namespace {

// A base port from which `nodes` ports in a row are free now, starting from
// one the OS picks (so above the privileged range); nullopt after a few
// unlucky tries.
std::optional<quint16> freeBasePort(int nodes)
{
    constexpr int kTries = 20;
    for (int i = 0; i < kTries; ++i) {
        const QList<quint16> picked = PortProbe::pickFree(1);
        if (picked.isEmpty())
            return std::nullopt;
        const quint16 base = picked.first();
        if (base < AppSettings::kMinPort || !AppSettings::portsFit(base, nodes))
            continue;
        QList<quint16> run;
        for (int n = 0; n < nodes; ++n)
            run << quint16(base + n);
        if (PortProbe::check(run).isEmpty())
            return base;
    }
    return std::nullopt;
}

const QString kSummary = QStringLiteral(
    "FarmChat desktop app: launches a local web farm (N chat nodes and a private\n"
    "redis-server on 127.0.0.1), opens a chat pane on every node and shows each\n"
    "message crossing, or not, between nodes with the Redis backplane off, pub/sub\n"
    "or streams. Flags override the settings remembered from the last run.");

const QString kEpilogue = QStringLiteral(
    "Environment: FARMCHAT_NODE_BIN (the farmchat-node to run), FARMCHAT_ASPNETCORE_NODE_BIN\n"
    "(the ASP.NET Core node to run with --node-kind aspnetcore), FARMCHAT_REDIS_SERVER\n"
    "(the redis-server to run), FARMCHAT_HAPROXY (the haproxy to run with --lb).\n");

} // namespace

Result<CommandLineRequest<AppOptions>> AppOptions::parse(const QStringList &arguments)
{
    using Request = CommandLineRequest<AppOptions>;
    AppOptions o;
    const AppSettings defaults;
    CommandLine cli(kProgram, QStringLiteral(FARMCHAT_VERSION), kSummary,
        {FarmFlags::nodes(AppSettings::kMaxNodes, defaults.nodes, [&o](int n) { o.nodes = n; }),
            FarmFlags::basePort(AppSettings::kMinPort, defaults.basePort,
                [&o](quint16 port) { o.basePort = port; }),
            FarmFlags::nodeKind([&o](NodeKind kind) { o.nodeKind = kind; }),
            backplaneOption(
                modeName(defaults.backplane), [&o](BackplaneMode mode) { o.backplane = mode; }),
            FarmFlags::redisMaxMemory(defaults.redisMaxMemoryBytes,
                [&o](qint64 bytes) { o.redisMaxMemoryBytes = bytes; }),
            FarmFlags::loadBalancer([&o](LbPolicy policy) { o.loadBalancer = policy; }),
            FarmFlags::redisTopology([&o](RedisTopology t) { o.redisTopology = t; }),
            CommandLineOption::flag(QStringLiteral("skip-negotiation"),
                QStringLiteral("panes open the WebSocket without POST /negotiate")),
            CommandLineOption::flag(QStringLiteral("autostart"),
                QStringLiteral("launch the farm as soon as the window opens")),
            CommandLineOption::text(QStringLiteral("scenario"), QStringLiteral("NAME|FILE"),
                QStringLiteral("play a scenario (a bundled one's name, or a file) in the window "
                               "as soon as it opens; Farm > Run scenario lists the bundled ones"),
                [&o](const QString &value) -> Result<void> {
                    // Checked now: a bad file is a usage error, before any window.
                    if (const Result<Scenario> read = ScenarioLibrary::load(value); !read)
                        return Result<void>::failure(read.error());
                    o.scenario = value;
                    return {};
                })},
        kEpilogue);
    if (const Result<void> read = cli.parse(arguments); !read)
        return Result<Request>::failure(read.error());
    if (const auto text = cli.requestedText())
        return Request::print(*text);
    o.autostart = cli.isSet(QStringLiteral("autostart"));
    if (cli.isSet(QStringLiteral("skip-negotiation")))
        o.skipNegotiation = true;
    return Request::run(o);
}

void AppOptions::applyTo(AppSettings &settings) const
{
    if (nodes)
        settings.nodes = *nodes;
    if (basePort && *basePort != 0)
        settings.basePort = *basePort;
    else if (basePort)
        settings.basePort = freeBasePort(settings.nodes).value_or(settings.basePort);
    if (nodeKind)
        settings.nodeKind = *nodeKind;
    if (backplane)
        settings.backplane = *backplane;
    if (redisMaxMemoryBytes)
        settings.redisMaxMemoryBytes = *redisMaxMemoryBytes;
    if (loadBalancer)
        settings.loadBalancer = *loadBalancer;
    if (redisTopology)
        settings.redisTopology = *redisTopology;
    if (skipNegotiation)
        settings.skipNegotiation = *skipNegotiation;
}

} // namespace farmchat
