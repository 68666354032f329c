#include "launcher/controlcommand_p.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <cmath>

namespace farmchat {

namespace {

using Failure = Result<ControlCommand>;

QStringList opNames(const QList<ControlOpSpec> &ops)
{
    QStringList names;
    for (const ControlOpSpec &op : ops)
        names << op.name;
    return names;
}

QStringList allowedFields(unsigned args)
{
    QStringList fields {QStringLiteral("id"), QStringLiteral("op")};
    if (args & ControlArg::Node)
        fields << QStringLiteral("node") << QStringLiteral("port");
    if (args & ControlArg::Mode)
        fields << QStringLiteral("mode");
    if (args & ControlArg::LbAdmin)
        fields << QStringLiteral("admin");
    if (args & ControlArg::Link)
        fields << QStringLiteral("link");
    if (args & ControlArg::Fault)
        fields << QStringLiteral("fault");
    if (args & ControlArg::Shard)
        fields << QStringLiteral("shard") << QStringLiteral("replica");
    return fields;
}

// A JSON number that is a whole number (JSON has no integer type). Checked
// before the cast: a double past qint64's range (9e90) makes the cast undefined.
std::optional<qint64> wholeNumber(const QJsonValue &value)
{
    if (!value.isDouble())
        return std::nullopt;
    const double number = value.toDouble();
    constexpr double exactLimit = 9007199254740992.0; // 2^53: doubles are whole and exact below
    if (!(std::fabs(number) <= exactLimit) || std::trunc(number) != number)
        return std::nullopt;
    return qint64(number);
}

Result<int> readNode(const QJsonObject &object, const ControlFarmView &farm)
{
    const bool hasNode = object.contains(u"node");
    const bool hasPort = object.contains(u"port");
    if (hasNode == hasPort)
        return Result<int>::failure(hasNode
                ? QStringLiteral("give 'node' or 'port', not both")
                : QStringLiteral("missing field 'node' (0-based index) or 'port'"));
    const int count = int(farm.nodePorts.size());
    if (hasNode) {
        const auto index = wholeNumber(object.value(u"node"));
        if (!index)
            return Result<int>::failure(
                QStringLiteral("field 'node' must be an integer (0-based node index)"));
        if (*index < 0 || *index >= count)
            return Result<int>::failure(QStringLiteral("node %1 out of range (farm has %2 node%3)")
                                            .arg(*index)
                                            .arg(count)
                                            .arg(count == 1 ? "" : "s"));
        return int(*index);
    }
    const auto port = wholeNumber(object.value(u"port"));
    if (!port)
        return Result<int>::failure(QStringLiteral("field 'port' must be an integer"));
    const int index
        = *port > 0 && *port <= 65535 ? int(farm.nodePorts.indexOf(quint16(*port))) : -1;
    if (index < 0) {
        QStringList ports;
        for (const quint16 p : farm.nodePorts)
            ports << QString::number(p);
        return Result<int>::failure(
            QStringLiteral("no node on port %1 (nodes: %2)")
                .arg(*port)
                .arg(ports.isEmpty() ? QStringLiteral("none") : ports.join(QStringLiteral(", "))));
    }
    return index;
}

Result<std::pair<int, bool>> readShard(const QJsonObject &object, const ControlFarmView &farm)
{
    using Outcome = Result<std::pair<int, bool>>;
    if (!object.contains(u"shard"))
        return Outcome::failure(QStringLiteral("missing field 'shard' (0-based shard index)"));
    const auto index = wholeNumber(object.value(u"shard"));
    if (!index)
        return Outcome::failure(QStringLiteral("field 'shard' must be an integer (0-based)"));
    if (*index < 0 || *index >= farm.shards)
        return Outcome::failure(QStringLiteral("shard %1 out of range (the cluster has %2)")
                                    .arg(*index)
                                    .arg(farm.shards));
    const QJsonValue replica = object.value(u"replica");
    if (!replica.isUndefined() && !replica.isBool())
        return Outcome::failure(QStringLiteral("field 'replica' must be true or false"));
    if (replica.toBool() && !farm.shardReplicas)
        return Outcome::failure(
            QStringLiteral("the shards have no replica (start with --redis-replicas 1)"));
    return std::pair {int(*index), replica.toBool()};
}

Result<QString> readString(const QJsonObject &object, const QString &field)
{
    if (!object.contains(field))
        return Result<QString>::failure(QStringLiteral("missing field '%1'").arg(field));
    const QJsonValue value = object.value(field);
    if (!value.isString())
        return Result<QString>::failure(QStringLiteral("field '%1' must be a string").arg(field));
    return value.toString();
}

Result<LbServerAdmin> parseLbAdmin(const QString &text)
{
    for (const LbServerAdmin admin :
        {LbServerAdmin::Drain, LbServerAdmin::Maint, LbServerAdmin::Ready}) {
        if (text == lbServerAdminName(admin))
            return admin;
    }
    return Result<LbServerAdmin>::failure(
        QStringLiteral("field 'admin' must be drain, maint or ready, not '%1'").arg(text.left(40)));
}

Result<NodeLink> readLink(const QJsonObject &object)
{
    if (!object.contains(u"link"))
        return NodeLink::Redis;
    const Result<QString> text = readString(object, QStringLiteral("link"));
    if (!text)
        return Result<NodeLink>::failure(text.error());
    if (const std::optional<NodeLink> link = nodeLinkFromName(text.value()))
        return *link;
    return Result<NodeLink>::failure(
        QStringLiteral("field 'link' must be redis or balancer, not '%1'").arg(text->left(40)));
}

Result<LinkFault> readFault(const QJsonObject &object)
{
    const QJsonValue value = object.value(u"fault");
    if (!value.isObject())
        return Result<LinkFault>::failure(value.isUndefined()
                ? QStringLiteral("missing field 'fault' (e.g. {\"latencyMs\": 50})")
                : QStringLiteral("field 'fault' must be an object"));
    Result<LinkFault> fault = LinkFault::fromJson(value.toObject());
    if (!fault)
        return Result<LinkFault>::failure(QStringLiteral("field 'fault': ") + fault.error());
    return fault;
}

Result<void> checkNeeds(const ControlOpSpec &op, const ControlFarmView &farm)
{
    if ((op.needs & ControlNeed::Running) && farm.state != FarmState::Running)
        return Result<void>::failure(
            QStringLiteral("cannot %1: the farm is %2").arg(op.name, farmStateName(farm.state)));
    if ((op.needs & ControlNeed::OwnRedis) && !farm.ownRedis)
        return Result<void>::failure(
            QStringLiteral("cannot %1: the farm uses an external Redis (--redis-url)")
                .arg(op.name));
    if ((op.needs & ControlNeed::Balancer) && !farm.balancer)
        return Result<void>::failure(
            QStringLiteral("cannot %1: the farm has no load balancer (--lb none)").arg(op.name));
    if ((op.needs & ControlNeed::LinkFaults) && !farm.linkFaults)
        return Result<void>::failure(
            QStringLiteral("cannot %1: the farm runs without link proxies (start it with "
                           "--link-faults)")
                .arg(op.name));
    if ((op.needs & ControlNeed::Cluster) && farm.shards == 0)
        return Result<void>::failure(
            QStringLiteral("cannot %1: the farm's Redis is not a cluster (start it with "
                           "--redis-topology cluster)")
                .arg(op.name));
    return {};
}

Result<ControlCommand> readArgs(
    const QJsonObject &object, const ControlOpSpec &op, const ControlFarmView &farm)
{
    ControlCommand command;
    if (op.args & ControlArg::Node) {
        const Result<int> node = readNode(object, farm);
        if (!node)
            return Failure::failure(node.error());
        command.node = node.value();
    }
    if (op.args & ControlArg::Mode) {
        const Result<QString> text = readString(object, QStringLiteral("mode"));
        if (!text)
            return Failure::failure(text.error());
        const Result<BackplaneMode> mode = parseBackplaneMode(text.value());
        if (!mode)
            return Failure::failure(QStringLiteral("field 'mode': ") + mode.error());
        command.mode = mode.value();
    }
    if (op.args & ControlArg::LbAdmin) {
        const Result<QString> text = readString(object, QStringLiteral("admin"));
        if (!text)
            return Failure::failure(text.error());
        const Result<LbServerAdmin> admin = parseLbAdmin(text.value());
        if (!admin)
            return Failure::failure(admin.error());
        command.admin = admin.value();
    }
    if (op.args & ControlArg::Link) {
        const Result<NodeLink> link = readLink(object);
        if (!link)
            return Failure::failure(link.error());
        command.link = link.value();
    }
    if (op.args & ControlArg::Fault) {
        const Result<LinkFault> fault = readFault(object);
        if (!fault)
            return Failure::failure(fault.error());
        command.fault = fault.value();
    }
    if (op.args & ControlArg::Shard) {
        const auto shard = readShard(object, farm);
        if (!shard)
            return Failure::failure(shard.error());
        std::tie(command.shard, command.replica) = shard.value();
    }
    return command;
}

} // namespace

ControlRequest parseControlLine(
    const QByteArray &line, const QList<ControlOpSpec> &ops, const ControlFarmView &farm)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return {QJsonValue::Null,
            Failure::failure(QStringLiteral("not JSON: %1 at offset %2")
                                 .arg(parseError.errorString())
                                 .arg(parseError.offset))};
    if (!document.isObject())
        return {QJsonValue::Null,
            Failure::failure(
                QStringLiteral("not a JSON object: a command is one object per line, e.g. "
                               "{\"op\": \"status\"}"))};
    const QJsonObject object = document.object();
    const QJsonValue id
        = object.value(u"id").isUndefined() ? QJsonValue(QJsonValue::Null) : object.value(u"id");
    const Result<QString> name = readString(object, QStringLiteral("op"));
    if (!name)
        return {id, Failure::failure(name.error())};
    qsizetype index = -1;
    for (qsizetype i = 0; i < ops.size() && index < 0; ++i) {
        if (ops[i].name == name.value())
            index = i;
    }
    if (index < 0)
        return {id,
            Failure::failure(QStringLiteral("unknown op '%1' (ops: %2)")
                                 .arg(name.value().left(40), opNames(ops).join(u", ")))};
    const ControlOpSpec &op = ops[index];
    const QStringList allowed = allowedFields(op.args);
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!allowed.contains(it.key()))
            return {id,
                Failure::failure(QStringLiteral("unknown field '%1' for %2 (it takes: %3)")
                                     .arg(it.key().left(40), op.name, allowed.join(u", ")))};
    }
    if (const Result<void> possible = checkNeeds(op, farm); !possible)
        return {id, Failure::failure(possible.error())};
    Result<ControlCommand> command = readArgs(object, op, farm);
    if (command)
        command.value().op = int(index);
    return {id, std::move(command)};
}

} // namespace farmchat
