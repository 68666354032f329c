#include "launcher/launcheroptions.h"

#include "launcher/farmflags.h"
#include "protocol/backplaneoption.h"
#include "protocol/version.h"
#include "redis/redisurl.h"

#include <QHostAddress>

namespace farmchat {

namespace {

Result<QList<quint16>> parsePortList(const QString &text)
{
    QList<quint16> ports;
    for (const QString &item : text.split(u',')) {
        bool ok = false;
        const uint port = item.trimmed().toUInt(&ok);
        if (!ok || port == 0 || port > 65535)
            return Result<QList<quint16>>::failure(
                QStringLiteral("takes ports 1-65535 separated by commas, not '%1'").arg(item));
        ports << quint16(port);
    }
    return ports;
}

Result<QList<BackplaneMode>> parseModeList(const QString &text)
{
    QList<BackplaneMode> modes;
    for (const QString &item : text.split(u',')) {
        const auto mode = parseBackplaneMode(item);
        if (!mode)
            return Result<QList<BackplaneMode>>::failure(mode.error());
        modes << mode.value();
    }
    return modes;
}

// The farm itself only listens on loopback; a Redis elsewhere is what this
// run exposes, so it is named before anything starts.
std::optional<QString> remoteRedisWarning(const RedisUrl &endpoint)
{
    const QString host = endpoint.host;
    if (endpoint.isUnix() || host.compare(u"localhost", Qt::CaseInsensitive) == 0
        || QHostAddress(host).isLoopback())
        return std::nullopt;
    return QStringLiteral(
        "warning: --redis-url %1 is beyond this machine: the Redis password and every "
        "chat message cross the network unencrypted (no TLS), and anyone on that Redis "
        "can read and publish to the farm's channels; use an ACL user limited to them "
        "(docs/SECURITY.md)")
        .arg(endpoint.endpoint());
}

// --control stdin (off by default: stdin is not read).
CommandLineOption controlOption(LauncherOptions &o)
{
    return CommandLineOption::text(QStringLiteral("control"), QStringLiteral("CHANNEL"),
        QStringLiteral("take commands while the farm runs (kill, restart, pause a node or "
                       "Redis, switch backplanes, status, stop); 'stdin': one JSON object "
                       "per line on stdin, one JSON reply line each on stdout"),
        [&o](const QString &channel) -> Result<void> {
            if (channel != u"stdin")
                return Result<void>::failure(
                    QStringLiteral("takes 'stdin', not '%1'").arg(channel.left(40)));
            o.controlStdin = true;
            return {};
        })
        .withDefault(QStringLiteral("off: stdin is not read"));
}

// A flag whose value is stored as given.
CommandLineOption text(const char *name, const char *valueName, const char *help, QString &target)
{
    return CommandLineOption::text(QLatin1String(name), QLatin1String(valueName),
        QLatin1String(help), [&target](const QString &value) {
            target = value;
            return Result<void>();
        });
}

// What the CLI does with the farm: a demo, a scenario, commands, JSON.
QList<CommandLineOption> runOptions(LauncherOptions &o)
{
    using Option = CommandLineOption;
    return {
        Option::flag(QStringLiteral("demo"),
            QStringLiteral("connect one client per node, send from each, print who received "
                           "what, for every backplane mode; exit 0 when each mode kept its "
                           "promise")),
        Option::parsed<QList<BackplaneMode>>(QStringLiteral("demo-modes"), QStringLiteral("LIST"),
            QStringLiteral("modes the demo runs through; implies --demo"), parseModeList,
            [&o](QList<BackplaneMode> modes) { o.demoModes = modes; })
            .withDefault(QStringLiteral("off,pubsub,streams, or just --backplane when given")),
        controlOption(o),
        text("scenario", "FILE",
            "run the scenario FILE (or the bundled scenario of that name) describes: its farm, "
            "clients and steps; check its expectations, exit 0 when every one held "
            "(docs/SCENARIOS.md)",
            o.scenarioFile),
        Option::flag(QStringLiteral("list-scenarios"),
            QStringLiteral("print the bundled scenarios' names and titles, and exit")),
        text("report", "PATH",
            "with --scenario: write the run's report to PATH (HTML), with PATH.json and "
            "PATH.csv beside it",
            o.reportPath),
        Option::flag(QStringLiteral("json"),
            QStringLiteral("one JSON object per line (events: progress, started, healthy, ready, "
                           "log, exited, matrix, error, stopped; reply with --control)")),
    };
}

QList<CommandLineOption> launcherOptions(LauncherOptions &o, QStringList &warnings)
{
    using Option = CommandLineOption;
    FarmConfig &farm = o.farm;
    auto redisUrl = Option::text(QStringLiteral("redis-url"), QStringLiteral("URL"),
        QStringLiteral("use this Redis (redis://HOST:PORT/DB) instead of starting one; its "
                       "password comes from $FARMCHAT_REDIS_PASSWORD"),
        [&farm, &warnings](const QString &text) -> Result<void> {
            const auto url = RedisUrl::parse(text);
            if (!url)
                return Result<void>::failure(url.error());
            farm.redisUrl = text;
            if (const auto warning = remoteRedisWarning(url.value()))
                warnings << *warning;
            return {};
        });
    return {
        FarmFlags::nodes(FarmConfig::kMaxNodes, farm.nodes, [&farm](int n) { farm.nodes = n; }),
        FarmFlags::basePort(1, farm.basePort, [&farm](quint16 port) { farm.basePort = port; }),
        Option::parsed<QList<quint16>>(QStringLiteral("ports"), QStringLiteral("LIST"),
            QStringLiteral("explicit node ports, e.g. 9090,9091 (sets --nodes)"), parsePortList,
            [&farm](QList<quint16> ports) { farm.ports = ports; }),
        backplaneOption(modeName(farm.backplane), [&farm](BackplaneMode m) { farm.backplane = m; }),
        FarmFlags::nodeKind([&farm](NodeKind kind) { farm.nodeKind = kind; }),
        FarmFlags::loadBalancer([&farm](LbPolicy policy) { farm.loadBalancer = policy; }),
        FarmFlags::lbPort(1, [&farm](quint16 port) { farm.lbPort = port; }),
        text("haproxy", "PATH", "the haproxy to start with --lb", farm.haproxy)
            .withDefault(QStringLiteral("$FARMCHAT_HAPROXY, then PATH")),
        text("redis-server", "PATH", "the redis-server to start", farm.redisServer)
            .withDefault(QStringLiteral("$FARMCHAT_REDIS_SERVER, then PATH")),
        redisUrl,
        FarmFlags::redisTopology([&farm](RedisTopology t) { farm.redisTopology = t; }),
        Option::integer(QStringLiteral("sentinel-down-after"), QStringLiteral("MS"),
            QStringLiteral("with --redis-topology sentinel: how long the primary may be silent "
                           "before the Sentinels fail over (down-after-milliseconds)"),
            {100, 600000}, farm.sentinelDownAfterMs),
        FarmFlags::redisShards(farm.redisShards),
        FarmFlags::redisReplicas(farm.redisReplicas),
        Option::integer(QStringLiteral("stream-wait-replicas"), QStringLiteral("N"),
            QStringLiteral("with --redis-topology sentinel, or cluster with replicas: streams-mode "
                           "nodes confirm a Send once N replicas have it (WAIT N; 0: off, a "
                           "failover may lose confirmed Sends)"),
            {0, 1}, farm.streamWaitReplicas),
        Option::integer(QStringLiteral("stream-wait-timeout"), QStringLiteral("MS"),
            QStringLiteral("with a replica (sentinel, or cluster with replicas): how long a Send "
                           "waits for it before it is confirmed with a warning"),
            {1, 60000}, farm.streamWaitTimeoutMs),
        FarmFlags::redisMaxMemory(
            farm.redisMaxMemoryBytes, [&farm](qint64 bytes) { farm.redisMaxMemoryBytes = bytes; }),
        text("log-dir", "DIR", "keep each process's output in DIR/<name>.log", farm.logDir)
            .withDefault(QStringLiteral("a temp dir, shown at start, removed after a clean exit")),
        Option::flag(QStringLiteral("keep-running"),
            QStringLiteral("restart crashed processes (capped back-off)")),
        Option::flag(QStringLiteral("link-faults"),
            QStringLiteral("route each node's Redis link (and the balancer's link to it) through "
                           "a proxy that can add latency, cap bandwidth, partition or reset it "
                           "while the farm runs")),
    };
}

// --demo, --demo-modes and --backplane together: which modes the demo runs
// through and the one the farm starts in.
// `warnings` gets a line for each mode the demo leaves out.
Result<void> settleDemo(LauncherOptions &o, const CommandLine &cli, QStringList &warnings)
{
    const bool backplaneGiven = cli.isSet(QStringLiteral("backplane"));
    const bool modesGiven = cli.isSet(QStringLiteral("demo-modes"));
    o.demo = cli.isSet(QStringLiteral("demo")) || modesGiven;
    if (!o.demo)
        return {};
    if (!modesGiven && backplaneGiven)
        o.demoModes = {o.farm.backplane};
    if (!modesGiven && !backplaneGiven) {
        o.demoModes.clear();
        for (const BackplaneMode mode :
            {BackplaneMode::Off, BackplaneMode::PubSub, BackplaneMode::Streams}) {
            if (const Result<void> supported = o.farm.supports(mode))
                o.demoModes << mode;
            else
                warnings << QStringLiteral("the demo skips %1: %2")
                                .arg(modeName(mode), supported.error());
        }
    }
    for (const BackplaneMode mode : std::as_const(o.demoModes)) {
        if (const Result<void> supported = o.farm.supports(mode); !supported)
            return Result<void>::failure(QStringLiteral("--demo-modes: ") + supported.error());
    }
    if (backplaneGiven && modesGiven && o.demoModes.first() != o.farm.backplane)
        return Result<void>::failure(
            QStringLiteral("--backplane and the first of --demo-modes disagree"));
    o.farm.backplane = o.demoModes.first();
    return {};
}

// With --scenario the file is the farm: farm flags on the command line would
// silently disagree with it. Where to find programs and logs may still be given.
// The file itself is read by parseLauncherCommandLine().
Result<void> checkScenarioFlags(const CommandLine &cli)
{
    if (!cli.isSet(QStringLiteral("scenario"))) {
        if (cli.isSet(QStringLiteral("report")))
            return Result<void>::failure(QStringLiteral("--report needs --scenario FILE"));
        return {};
    }
    const QStringList allowed {QStringLiteral("scenario"), QStringLiteral("report"),
        QStringLiteral("json"), QStringLiteral("haproxy"), QStringLiteral("redis-server"),
        QStringLiteral("log-dir")};
    for (const QString &flag : cli.givenNames()) {
        if (!allowed.contains(flag))
            return Result<void>::failure(
                QStringLiteral("--%1 does not go with --scenario: the file describes the farm")
                    .arg(flag));
    }
    return {};
}

const QString kSummary = QStringLiteral(
    "Starts a local FarmChat web farm: a private redis-server and N farmchat-node\n"
    "processes on 127.0.0.1, waits until every node answers /health, prints where\n"
    "they are, and keeps them running until Ctrl-C (or SIGTERM) stops them all.");

const QString kEpilogue = QStringLiteral(
    "Environment: FARMCHAT_NODE_BIN (the farmchat-node to run), FARMCHAT_ASPNETCORE_NODE_BIN\n"
    "(the ASP.NET Core node to run with --node-kind aspnetcore), FARMCHAT_REDIS_SERVER,\n"
    "FARMCHAT_HAPROXY (the haproxy to run with --lb),\n"
    "FARMCHAT_REDIS_PASSWORD (with --redis-url), NO_COLOR.\n"
    "Exit status: 0 stopped cleanly (or the demo passed), 1 the farm failed to start\n"
    "or the demo found a broken promise, 2 a usage error.\n");

} // namespace

Result<CommandLineRequest<LauncherOptions>> LauncherOptions::parse(const QStringList &arguments)
{
    using Request = CommandLineRequest<LauncherOptions>;
    auto usageError = [](const QString &error) { return Result<Request>::failure(error); };
    LauncherOptions o;
    QStringList warnings;
    CommandLine cli(kProgram, QStringLiteral(FARMCHAT_VERSION), kSummary,
        launcherOptions(o, warnings) + runOptions(o), kEpilogue);
    if (const Result<void> read = cli.parse(arguments); !read)
        return usageError(read.error());
    if (const auto text = cli.requestedText())
        return Request::print(*text);
    o.listScenarios = cli.isSet(QStringLiteral("list-scenarios"));
    if (cli.isSet(QStringLiteral("base-port")) && cli.isSet(QStringLiteral("ports")))
        return usageError(QStringLiteral("--base-port and --ports exclude each other"));
    if (cli.isSet(QStringLiteral("redis-server")) && cli.isSet(QStringLiteral("redis-url")))
        return usageError(QStringLiteral("--redis-server and --redis-url exclude each other"));
    if (cli.isSet(QStringLiteral("redis-url")) && o.farm.redisTopology != RedisTopology::Single)
        return usageError(QStringLiteral("--redis-topology %1 starts its own Redis: it excludes "
                                         "--redis-url")
                              .arg(redisTopologyName(o.farm.redisTopology)));
    for (const QString &flag : {QStringLiteral("redis-shards"), QStringLiteral("redis-replicas")}) {
        if (cli.isSet(flag) && o.farm.redisTopology != RedisTopology::Cluster)
            return usageError(QStringLiteral("--%1 needs --redis-topology cluster").arg(flag));
    }
    if (cli.isSet(QStringLiteral("sentinel-down-after"))
        && o.farm.redisTopology != RedisTopology::Sentinel)
        return usageError(QStringLiteral("--sentinel-down-after needs --redis-topology sentinel"));
    const bool hasReplica = o.farm.redisTopology == RedisTopology::Sentinel
        || (o.farm.redisTopology == RedisTopology::Cluster && o.farm.redisReplicas > 0);
    for (const QString &flag :
        {QStringLiteral("stream-wait-replicas"), QStringLiteral("stream-wait-timeout")}) {
        if (cli.isSet(flag) && !hasReplica)
            return usageError(QStringLiteral("--%1 needs a replica to wait for: "
                                             "--redis-topology sentinel, or cluster with "
                                             "--redis-replicas 1")
                                  .arg(flag));
    }
    if (cli.isSet(QStringLiteral("stream-wait-timeout")) && o.farm.streamWaitReplicas == 0)
        return usageError(QStringLiteral("--stream-wait-timeout needs --stream-wait-replicas 1"));
    if (cli.isSet(QStringLiteral("ports")) && !cli.isSet(QStringLiteral("nodes")))
        o.farm.nodes = int(o.farm.ports.size());
    if ((cli.isSet(QStringLiteral("lb-port")) || cli.isSet(QStringLiteral("haproxy")))
        && o.farm.loadBalancer == LbPolicy::None)
        return usageError(QStringLiteral("--lb-port and --haproxy need --lb POLICY"));
    o.farm.keepRunning = cli.isSet(QStringLiteral("keep-running"));
    o.farm.linkFaults = cli.isSet(QStringLiteral("link-faults"));
    o.json = cli.isSet(QStringLiteral("json"));
    if (const Result<void> demo = settleDemo(o, cli, warnings); !demo)
        return usageError(demo.error());
    if (const Result<void> scenario = checkScenarioFlags(cli); !scenario)
        return usageError(scenario.error());
    if (const Result<void> valid = o.farm.validate(); !valid)
        return usageError(valid.error());
    return Request::run(std::move(o), warnings);
}

} // namespace farmchat
