#include "launcher/consolereporter_p.h"

#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "launcher/haproxyinstance.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"
#include "launcher/sentinelgroup.h"
#include "platform/terminal.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace farmchat {

namespace {

int paletteIndexFor(const QString &name)
{
    if (name.startsWith(u"redis") || name.startsWith(u"sentinel"))
        return 203;
    if (name == u"haproxy")
        return 250;
    static constexpr int nodeColours[] = {39, 214, 78, 170, 45, 220, 141, 209};
    const int port = QStringView(name).mid(5).toInt();
    return nodeColours[port % int(std::size(nodeColours))];
}

} // namespace

ConsoleReporter::ConsoleReporter(FarmSupervisor &farm, bool json, QObject *parent)
    : QObject(parent), m_farm(farm), m_json(json), m_colour(!json && supportsColour(stdout))
{
    connect(
        &farm, &FarmSupervisor::progress, this, [this](int step, int total, const QString &text) {
            if (m_json)
                jsonEvent(
                    QStringLiteral("progress"), {{"step", step}, {"total", total}, {"text", text}});
            else if (m_farm.state() == FarmState::Running)
                note(text); // not a start step: a backplane switch by restart says so
        });
    connect(&farm, &FarmSupervisor::processesCleared, this, [this] { m_seen.clear(); });
    connect(&farm, &FarmSupervisor::processChanged, this, &ConsoleReporter::onProcessChanged);
    connect(
        &farm, &FarmSupervisor::logLine, this, [this](const QString &process, const QString &line) {
            if (m_json)
                jsonEvent(QStringLiteral("log"), {{"process", process}, {"line", line}});
            else
                write(stdout,
                    coloured(process, process.leftJustified(11) + QStringLiteral("| ")) + line
                        + u'\n');
        });
    connect(&farm, &FarmSupervisor::error, this, &ConsoleReporter::printError);
    reportScaling();
    connect(&farm, &FarmSupervisor::started, this, &ConsoleReporter::onStarted);
    connect(&farm, &FarmSupervisor::stopped, this, [this] {
        if (m_json)
            jsonEvent(QStringLiteral("stopped"));
        else if (m_farm.processCount()
            > 0) // a start that failed before any process says so in its error alone
            note(QStringLiteral("farm stopped"));
    });
    connect(&farm, &FarmSupervisor::restartScheduled, this,
        [this](int index, int delayMs, const QString &reason) {
            const QString name = m_farm.process(index)->name();
            if (m_json)
                jsonEvent(QStringLiteral("restarting"),
                    {{"process", name}, {"delayMs", delayMs}, {"reason", reason}});
            else
                note(QStringLiteral("%1 restarts in %2 ms (it ended: %3)")
                         .arg(name)
                         .arg(delayMs)
                         .arg(reason));
        });
    connect(&farm, &FarmSupervisor::nodeHealthChanged, this, [this](int index) {
        if (m_json && m_farm.state() == FarmState::Running) {
            const FarmNode *node = m_farm.node(index);
            jsonEvent(QStringLiteral("health"),
                {{"process", node->name()}, {"health", node->health().toJson()}});
        }
    });
    connect(&farm, &FarmSupervisor::backplaneRequestFinished, this,
        [this](BackplaneMode mode, int node, const Result<void> &switched) {
            const QString target
                = node < 0 ? QStringLiteral("all nodes") : m_farm.node(node)->name();
            if (m_json)
                jsonEvent(QStringLiteral("backplane"),
                    {{"mode", modeName(mode)}, {"target", target}, {"ok", switched.ok()},
                        {"error", switched.error()}});
            else if (switched)
                note(QStringLiteral("backplane of %1 is now %2").arg(target, modeName(mode)));
        });
}

void ConsoleReporter::write(std::FILE *stream, const QString &text) const
{
    if (m_silent)
        return;
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
    std::fflush(stream);
}

QString ConsoleReporter::coloured(const QString &name, const QString &text) const
{
    return colourise(text, paletteIndexFor(name), m_colour);
}

void ConsoleReporter::note(const QString &text)
{
    if (m_json)
        jsonEvent(QStringLiteral("note"), {{"text", text}});
    else
        write(stderr, QStringLiteral("farmchat-launcher: ") + text + u'\n');
}

void ConsoleReporter::printError(const QString &text)
{
    if (m_json)
        jsonEvent(QStringLiteral("error"), {{"message", text}});
    else
        write(stderr, QStringLiteral("farmchat-launcher: error: ") + text + u'\n');
}

void ConsoleReporter::print(const QString &text)
{
    if (!m_json)
        write(stdout, text);
}

void ConsoleReporter::jsonEvent(const QString &name, QJsonObject fields)
{
    if (m_json)
        machineEvent(name, std::move(fields));
}

void ConsoleReporter::machineEvent(const QString &name, QJsonObject fields)
{
    fields.insert(QStringLiteral("event"), name);
    write(stdout, QString::fromUtf8(QJsonDocument(fields).toJson(QJsonDocument::Compact)) + u'\n');
}

void ConsoleReporter::reportScaling()
{
    connect(&m_farm, &FarmSupervisor::nodeAddFinished, this,
        [this](int node, const Result<void> &added) {
            const QString name = added ? m_farm.node(node)->name() : QString();
            if (m_json)
                jsonEvent(QStringLiteral("nodeAdded"),
                    added ? QJsonObject {{"process", name}, {"node", node}}
                          : QJsonObject {{"error", added.error()}});
            else
                note(added ? QStringLiteral("%1 joined the farm").arg(name)
                           : QStringLiteral("no node added: %1").arg(added.error()));
        });
    connect(&m_farm, &FarmSupervisor::nodeRemoveFinished, this,
        [this](int, const QString &name, const Result<void> &removed) {
            if (m_json)
                jsonEvent(QStringLiteral("nodeRemoved"),
                    removed ? QJsonObject {{"process", name}}
                            : QJsonObject {{"process", name}, {"error", removed.error()}});
            else
                note(removed ? QStringLiteral("%1 left the farm").arg(name)
                             : QStringLiteral("%1 did not leave: %2").arg(name, removed.error()));
        });
}

void ConsoleReporter::onProcessChanged(int index)
{
    const ManagedProcess *process = m_farm.process(index);
    if (!process)
        return;
    const QString key = process->name();
    Seen &seen = m_seen[key];
    const ProcessState state = process->state();
    QJsonObject fields {{"process", key}, {"pid", process->pid()}, {"port", process->port()}};
    const bool running = m_farm.state() == FarmState::Running;
    if (state == ProcessState::Starting) {
        // Reported once per run, when its pid is known (after stateChanged(Starting)).
        seen.state = state;
        if (process->pid() <= 0 || process->pid() == seen.startedPid)
            return;
        seen.startedPid = process->pid();
        jsonEvent(QStringLiteral("started"), fields);
        if (running && !m_json)
            note(QStringLiteral("%1 started again (pid %2)").arg(key).arg(process->pid()));
        return;
    }
    if (state == seen.state)
        return;
    seen.state = state;
    switch (state) {
    case ProcessState::Healthy:
        jsonEvent(QStringLiteral("healthy"), fields);
        if (running && !m_json)
            note(QStringLiteral("%1 is healthy (pid %2)").arg(key).arg(process->pid()));
        break;
    case ProcessState::Starting:
    case ProcessState::Stopping:
        break;
    case ProcessState::Stopped:
    case ProcessState::Exited:
    case ProcessState::Crashed:
        fields.insert(QStringLiteral("state"), processStateName(state));
        fields.insert(QStringLiteral("reason"), process->exitReason());
        fields.insert(QStringLiteral("requested"), process->exitWasRequested());
        jsonEvent(QStringLiteral("exited"), fields);
        // While starting, the farm's error already says why it ended.
        if (!m_json && running && !process->exitWasRequested())
            note(QStringLiteral("%1 (pid %2) %3: %4")
                     .arg(coloured(key, key))
                     .arg(process->pid())
                     .arg(processStateName(state), process->exitReason()));
        break;
    }
}

void ConsoleReporter::onStarted()
{
    if (!m_json) {
        printTable();
        return;
    }
    QJsonArray nodes;
    for (int i = 0; i < m_farm.nodeCount(); ++i) {
        const FarmNode *node = m_farm.node(i);
        nodes.append(QJsonObject {{"name", node->name()}, {"url", node->url().toString()},
            {"port", node->port()}, {"pid", node->process()->pid()}});
    }
    QJsonObject redis {{"url", m_farm.redisUrl()}, {"external", m_farm.redis() == nullptr}};
    if (const RedisInstance *instance = m_farm.redis()) {
        redis.insert(QStringLiteral("port"), instance->port());
        redis.insert(QStringLiteral("pid"), instance->process()->pid());
    }
    redis.insert(QStringLiteral("topology"), redisTopologyName(m_farm.config().redisTopology));
    if (const SentinelGroup *group = m_farm.sentinels()) {
        const RedisInstance *replica = group->replica();
        redis.insert(QStringLiteral("replica"),
            QJsonObject {{"port", replica->port()}, {"pid", replica->process()->pid()}});
        QJsonArray sentinels;
        for (int i = 0; i < group->sentinelCount(); ++i)
            sentinels.append(QJsonObject {{"name", group->sentinelProcess(i)->name()},
                {"port", group->sentinelPort(i)}, {"pid", group->sentinelProcess(i)->pid()}});
        redis.insert(QStringLiteral("sentinels"), sentinels);
        redis.insert(QStringLiteral("masterName"), group->masterName());
        redis.insert(QStringLiteral("downAfterMs"), m_farm.config().sentinelDownAfterMs);
        redis.insert(QStringLiteral("streamWaitReplicas"), m_farm.config().streamWaitReplicas);
        redis.insert(QStringLiteral("streamWaitTimeoutMs"), m_farm.config().streamWaitTimeoutMs);
    }
    if (const RedisClusterGroup *cluster = m_farm.cluster())
        redis.insert(QStringLiteral("shards"), clusterShards(*cluster));
    QJsonObject ready {{"startupMs", m_farm.startupMs()},
        {"backplane", modeName(m_farm.backplane())}, {"nodes", nodes}, {"redis", redis},
        {"logDir", m_farm.logDir()}};
    // Where clients connect when the farm has a balancer; null without one.
    QJsonValue lb = QJsonValue::Null;
    if (const HaproxyInstance *instance = m_farm.loadBalancer())
        lb = QJsonObject {{"url", instance->url().toString()}, {"port", instance->port()},
            {"pid", instance->process()->pid()}, {"policy", lbPolicyName(instance->policy())},
            {"runtimeApi", instance->socketPath()}, {"config", instance->configPath()}};
    ready.insert(QStringLiteral("lb"), lb);
    jsonEvent(QStringLiteral("ready"), ready);
}

QJsonArray ConsoleReporter::clusterShards(const RedisClusterGroup &cluster) const
{
    const auto server = [](const RedisInstance &instance) {
        return QJsonObject {{"name", instance.process()->name()}, {"port", instance.port()},
            {"busPort", instance.clusterBusPort()}, {"pid", instance.process()->pid()}};
    };
    QJsonArray shards;
    for (int shard = 0; shard < cluster.shardCount(); ++shard) {
        const RedisInstance *primary = m_farm.shardServer(shard, 0);
        const auto [first, last] = cluster.slotRange(shard);
        QJsonObject entry {{"shard", shard}, {"slots", QJsonArray {first, last}},
            {"primary", primary ? QJsonValue(server(*primary)) : QJsonValue()}};
        if (const RedisInstance *replica = cluster.shardServer(shard, 1))
            entry.insert(QStringLiteral("replica"), server(*replica));
        shards.append(entry);
    }
    return shards;
}

void ConsoleReporter::printTable()
{
    QString text = QStringLiteral("\nFarm of %1 node%2 up in %3 ms, backplane %4\n\n")
                       .arg(m_farm.nodeCount())
                       .arg(m_farm.nodeCount() == 1 ? "" : "s")
                       .arg(m_farm.startupMs())
                       .arg(modeName(m_farm.backplane()));
    // Colour codes wrap the row's text only, never its newline.
    // "redis-replica" is the longest name a Sentinel topology adds.
    // "redis-shard-8-replica", the longest a cluster adds.
    const int nameWidth = m_farm.cluster() ? 23 : m_farm.sentinels() ? 15 : 11;
    const auto row = [this, nameWidth](const QString &name, const QString &url, const QString &pid,
                         bool colour) -> QString {
        const QString line = name.leftJustified(nameWidth) + url.leftJustified(27) + pid;
        return QStringLiteral("  ") + (colour ? coloured(name, line) : line) + QStringLiteral("\n");
    };
    text += row(QStringLiteral("NODE"), QStringLiteral("URL"), QStringLiteral("PID"), false);
    for (int i = 0; i < m_farm.nodeCount(); ++i) {
        const FarmNode *node = m_farm.node(i);
        text += row(
            node->name(), node->url().toString(), QString::number(node->process()->pid()), true);
    }
    if (const RedisInstance *redis = m_farm.redis())
        text += row(
            redis->process()->name(), redis->url(), QString::number(redis->process()->pid()), true);
    if (const RedisClusterGroup *cluster = m_farm.cluster()) {
        for (int i = 0; i < cluster->serverCount(); ++i) {
            const RedisInstance *server = cluster->server(i);
            text += row(server->process()->name(), server->url(),
                QString::number(server->process()->pid()), true);
        }
    }
    if (const SentinelGroup *group = m_farm.sentinels()) {
        const RedisInstance *replica = group->replica();
        text += row(QStringLiteral("redis-replica"), replica->url(),
            QString::number(replica->process()->pid()), true);
        for (int i = 0; i < group->sentinelCount(); ++i)
            text += row(group->sentinelProcess(i)->name(),
                QStringLiteral("sentinel://127.0.0.1:%1").arg(group->sentinelPort(i)),
                QString::number(group->sentinelProcess(i)->pid()), true);
    }
    if (!m_farm.redis())
        text
            += row(QStringLiteral("redis"), m_farm.redisUrl(), QStringLiteral("(external)"), false);
    if (const HaproxyInstance *lb = m_farm.loadBalancer())
        text += row(QStringLiteral("haproxy"), lb->url().toString(),
            QString::number(lb->process()->pid()), true);
    text += u'\n';
    if (const HaproxyInstance *lb = m_farm.loadBalancer())
        text += QStringLiteral("Clients connect to %1 (load balancer: %2)\n")
                    .arg(lb->url().toString(), lbPolicyName(lb->policy()));
    if (!m_farm.logDir().isEmpty())
        text += QStringLiteral("Logs: %1\n").arg(m_farm.logDir());
    print(text);
}

} // namespace farmchat
