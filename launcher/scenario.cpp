#include "launcher/scenario.h"

#include "launcher/controlchannel_p.h"
#include "launcher/launcheroptions.h"
#include "launcher/scenario_p.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace farmchat {

namespace {

// The launcher flags a scenario's "farm" may set, under their own names.
const QStringList kFarmFlags {QStringLiteral("nodes"), QStringLiteral("node-kind"),
    QStringLiteral("backplane"), QStringLiteral("redis-topology"), QStringLiteral("redis-shards"),
    QStringLiteral("redis-replicas"), QStringLiteral("sentinel-down-after"), QStringLiteral("lb"),
    QStringLiteral("link-faults"), QStringLiteral("keep-running"),
    QStringLiteral("redis-maxmemory"), QStringLiteral("stream-wait-replicas"),
    QStringLiteral("stream-wait-timeout")};

QString lineAndColumn(const QByteArray &json, int offset)
{
    const QByteArray before = json.left(offset);
    const int line = int(before.count('\n')) + 1;
    const int column = int(offset - before.lastIndexOf('\n'));
    return QStringLiteral("line %1, column %2").arg(line).arg(column);
}

Result<void> readFarm(ScenarioReader &r, const QJsonObject &farm, Scenario &s)
{
    for (auto it = farm.begin(); it != farm.end(); ++it) {
        const QString field = QStringLiteral("farm.") + it.key();
        if (!kFarmFlags.contains(it.key()))
            return r.fail(field,
                QStringLiteral("is not a farm setting (one of: %1)").arg(kFarmFlags.join(u", ")));
        const QString flag = QStringLiteral("--") + it.key();
        if (it->isBool()) {
            if (it.key() != u"link-faults" && it.key() != u"keep-running")
                return r.fail(field, QStringLiteral("takes a value, not true or false"));
            if (it->toBool())
                s.farmArguments << flag;
        } else if (it->isDouble()) {
            const double value = it->toDouble();
            if (value != std::floor(value))
                return r.fail(field, QStringLiteral("takes a whole number"));
            s.farmArguments << flag << QString::number(qint64(value));
        } else if (it->isString()) {
            s.farmArguments << flag << it->toString();
        } else {
            return r.fail(field, QStringLiteral("takes a number, a string or true"));
        }
    }
    // A scenario's farm never collides with another: free ports.
    s.farmArguments << QStringLiteral("--base-port") << QStringLiteral("auto");
    if (farm.contains(QStringLiteral("lb"))
        && farm.value(QStringLiteral("lb")).toString() != u"none")
        s.farmArguments << QStringLiteral("--lb-port") << QStringLiteral("auto");
    const auto parsed = LauncherOptions::parse(s.farmArguments);
    if (!parsed)
        return r.fail(QStringLiteral("farm"), parsed.error());
    if (!parsed->options)
        return r.fail(QStringLiteral("farm"), QStringLiteral("is not a farm"));
    s.farm = parsed->options->farm;
    return {};
}

Result<void> readClient(ScenarioReader &r, const QString &where, const QJsonValue &value,
    const Scenario &s, ScenarioClient &client)
{
    const auto object = r.object(where, value, {"name", "node", "via", "rooms"});
    if (!object)
        return Result<void>::failure(object.error());
    const auto name = r.name(where + QStringLiteral(".name"), object->value(u"name"));
    if (!name)
        return Result<void>::failure(name.error());
    client.name = *name;
    const QJsonValue via = object->value(u"via");
    if (!via.isUndefined()) {
        if (via.toString() != u"balancer")
            return r.fail(where + QStringLiteral(".via"), QStringLiteral("takes \"balancer\""));
        if (s.farm.loadBalancer == LbPolicy::None)
            return r.fail(where + QStringLiteral(".via"),
                QStringLiteral("needs a load balancer: set farm.lb"));
        if (object->contains(u"node"))
            return r.fail(where, QStringLiteral("has both node and via"));
        client.viaBalancer = true;
    } else {
        const auto node = r.integer(where + QStringLiteral(".node"), object->value(u"node"), 0,
            s.farm.nodes - 1, std::nullopt);
        if (!node)
            return Result<void>::failure(node.error());
        client.node = *node;
    }
    const auto rooms = r.names(where + QStringLiteral(".rooms"), object->value(u"rooms"));
    if (!rooms)
        return Result<void>::failure(rooms.error());
    client.rooms = QStringList {QStringLiteral("lobby")};
    for (const QString &room : *rooms) {
        if (!client.rooms.contains(room))
            client.rooms << room;
    }
    return {};
}

Result<void> readClients(ScenarioReader &r, const QJsonValue &value, Scenario &s)
{
    if (value.isUndefined()) {
        // One client per node, in the lobby: the classic panes.
        for (int i = 0; i < s.farm.nodes; ++i)
            s.clients.append(
                {QStringLiteral("client-%1").arg(i + 1), i, false, {QStringLiteral("lobby")}});
        return {};
    }
    const auto items = r.array(QStringLiteral("clients"), value, 1, Scenario::kMaxClients);
    if (!items)
        return Result<void>::failure(items.error());
    for (qsizetype i = 0; i < items->size(); ++i) {
        ScenarioClient client;
        const QString where = QStringLiteral("clients[%1]").arg(i);
        if (const auto read = readClient(r, where, items->at(i), s, client); !read)
            return read;
        for (const ScenarioClient &other : std::as_const(s.clients)) {
            if (other.name == client.name)
                return r.fail(where + QStringLiteral(".name"),
                    QStringLiteral("'%1' is taken by another client").arg(client.name));
        }
        s.clients.append(client);
    }
    return {};
}

ControlFarmView controlViewOf(const FarmConfig &farm)
{
    ControlFarmView view;
    view.state = FarmState::Running;
    for (int i = 0; i < farm.nodes; ++i)
        view.nodePorts << 0; // picked when the farm starts: steps name nodes by index
    view.ownRedis = farm.redisUrl.isEmpty();
    view.balancer = farm.loadBalancer != LbPolicy::None;
    view.linkFaults = farm.linkFaults;
    if (farm.redisTopology == RedisTopology::Cluster) {
        view.shards = farm.redisShards;
        view.shardReplicas = farm.redisReplicas > 0;
    }
    return view;
}

QString number(double value)
{
    return QString::number(value, 'g', 10);
}

} // namespace

QString ScenarioStep::describe() const
{
    switch (kind) {
    case Kind::Phase:
        return QStringLiteral("phase '%1'").arg(phase);
    case Kind::Send:
        return QStringLiteral("send %1 × %2 → %3 at %4/s")
            .arg(count)
            .arg(from.join(u", "), room, number(rate));
    case Kind::Wait:
        if (until == Until::Settled)
            return QStringLiteral("wait until every message is judged (at most %1 ms)").arg(ms);
        if (until == Until::Backplane)
            return QStringLiteral("wait until every node has its backplane (at most %1 ms)")
                .arg(ms);
        if (until == Until::Connected)
            return QStringLiteral("wait until every client is connected (at most %1 ms)").arg(ms);
        return QStringLiteral("wait %1 ms").arg(ms);
    case Kind::Control: {
        // "kill-node node=1", "set-link-fault node=0 link=redis fault={…}"
        const QJsonObject command = QJsonDocument::fromJson(controlLine).object();
        QStringList words {op};
        for (auto it = command.begin(); it != command.end(); ++it) {
            if (it.key() == u"op")
                continue;
            const QJsonValue v = it.value();
            const QString value = v.isString() ? v.toString()
                : v.isDouble()                 ? QString::number(v.toDouble(), 'g', 10)
                : v.isBool()
                ? (v.toBool() ? QStringLiteral("true") : QStringLiteral("false"))
                : QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
            words << it.key() + u'=' + value;
        }
        return words.join(u' ');
    }
    }
    return {};
}

QStringList ScenarioExpectation::measures()
{
    return {QStringLiteral("messages"), QStringLiteral("kept"), QStringLiteral("delivered"),
        QStringLiteral("late"), QStringLiteral("lostCounted"), QStringLiteral("lostUncounted"),
        QStringLiteral("missedWhileAway"), QStringLiteral("duplicated"),
        QStringLiteral("outOfOrder"), QStringLiteral("unexpected"), QStringLiteral("pending"),
        QStringLiteral("refused"), QStringLiteral("p50LatencyMs"), QStringLiteral("p99LatencyMs"),
        QStringLiteral("historyResets"), QStringLiteral("recoveryMs"),
        QStringLiteral("stickyFailures"), QStringLiteral("promiseKept")};
}

bool ScenarioExpectation::isBoolean(const QString &measure)
{
    return measure == u"promiseKept";
}

QString ScenarioExpectation::describe() const
{
    QStringList scope;
    if (!phase.isEmpty())
        scope << QStringLiteral("phase '%1'").arg(phase);
    if (mode)
        scope << modeName(*mode);
    QString bound;
    if (isBoolean(measure))
        bound = min.value_or(0) > 0 ? QStringLiteral(" is true") : QStringLiteral(" is false");
    else if (min && max && *min == *max)
        bound = QStringLiteral(" = %1").arg(number(*min));
    else if (min && max)
        bound = QStringLiteral(" in %1…%2").arg(number(*min), number(*max));
    else if (min)
        bound = QStringLiteral(" ≥ %1").arg(number(*min));
    else if (max)
        bound = QStringLiteral(" ≤ %1").arg(number(*max));
    const QString where = scope.isEmpty() ? QStringLiteral("whole run") : scope.join(u", ");
    return QStringLiteral("%1: %2%3").arg(where, measure, bound);
}

Result<Scenario> Scenario::load(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Result<Scenario>::failure(
            QStringLiteral("%1: cannot read: %2").arg(path, file.errorString()));
    constexpr qint64 kMaxBytes = 4 * 1024 * 1024;
    if (file.size() > kMaxBytes)
        return Result<Scenario>::failure(
            QStringLiteral("%1: %2 bytes, over the %3-byte limit of a scenario file")
                .arg(path)
                .arg(file.size())
                .arg(kMaxBytes));
    return parse(file.readAll(), path);
}

Result<Scenario> Scenario::parse(const QByteArray &json, const QString &source)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return Result<Scenario>::failure(
            QStringLiteral("%1: %2: %3")
                .arg(source, lineAndColumn(json, error.offset), error.errorString()));
    ScenarioReader r(source);
    Scenario s;
    s.source = source;
    const auto top = r.object(QStringLiteral("the file"),
        document.isObject() ? document.object() : QJsonValue(),
        {"farmchat-scenario", "name", "description", "farm", "clients", "steps", "expect",
            "graceMs", "settleTimeoutMs", "timeoutMs"});
    if (!top)
        return Result<Scenario>::failure(top.error());
    const QJsonValue version = top->value(u"farmchat-scenario");
    if (version != QJsonValue(kSchemaVersion))
        return r.failed<Scenario>(QStringLiteral("farmchat-scenario"),
            QStringLiteral("must be %1 (the schema version this launcher reads)")
                .arg(kSchemaVersion));
    const auto name = r.text(QStringLiteral("name"), top->value(u"name"), 1, 200);
    if (!name)
        return Result<Scenario>::failure(name.error());
    s.name = *name;
    const auto description
        = r.text(QStringLiteral("description"), top->value(u"description"), 0, 4000, QString());
    if (!description)
        return Result<Scenario>::failure(description.error());
    s.description = *description;
    const auto farm = r.object(QStringLiteral("farm"), top->value(u"farm"), {}, true);
    if (!farm)
        return Result<Scenario>::failure(farm.error());
    if (const auto read = readFarm(r, *farm, s); !read)
        return Result<Scenario>::failure(read.error());
    if (const auto read = readClients(r, top->value(u"clients"), s); !read)
        return Result<Scenario>::failure(read.error());
    const auto times = r.timing(*top, s.graceMs, s.settleTimeoutMs, s.timeoutMs);
    if (!times)
        return Result<Scenario>::failure(times.error());
    const ScenarioStepReader steps(r, s, controlViewOf(s.farm), ControlChannel::opSpecs());
    if (const auto read = steps.readAll(top->value(u"steps")); !read)
        return Result<Scenario>::failure(read.error());
    if (const auto read = readExpectations(r, top->value(u"expect"), s); !read)
        return Result<Scenario>::failure(read.error());
    return s;
}

} // namespace farmchat
