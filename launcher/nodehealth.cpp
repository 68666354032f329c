#include "launcher/nodehealth.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace farmchat {

namespace {

// The first of `keys` present in `object`.
QJsonValue firstOf(const QJsonObject &object, std::initializer_list<const char *> keys)
{
    for (const char *key : keys) {
        const QJsonValue value = object.value(QLatin1StringView(key));
        if (!value.isUndefined())
            return value;
    }
    return QJsonValue(QJsonValue::Undefined);
}

} // namespace

Result<NodeHealth> NodeHealth::fromJson(const QByteArray &body)
{
    using Outcome = Result<NodeHealth>;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (!document.isObject())
        return Outcome::failure(
            QStringLiteral("/health is not a JSON object: %1").arg(parseError.errorString()));
    const QJsonObject root = document.object();
    NodeHealth health;
    health.reachable = true;
    health.checkedAt = QDateTime::currentDateTime();

    const QJsonValue nodeId = firstOf(root, {"nodeId", "node"});
    if (!nodeId.isString())
        return Outcome::failure(QStringLiteral("/health has no string nodeId"));
    health.nodeId = nodeId.toString().left(200);

    const QJsonValue port = root.value(u"port");
    if (!port.isUndefined()) {
        const int value = port.toInt(-1);
        if (value < 0 || value > 65535)
            return Outcome::failure(QStringLiteral("/health has a bad port"));
        health.port = quint16(value);
    }

    // The mode is either a string or an object {"mode": …, "redisConnected": …, "lastError": …}.
    QJsonValue mode = root.value(u"backplane");
    QJsonObject backplane = root;
    if (mode.isObject()) {
        backplane = mode.toObject();
        mode = backplane.value(u"mode");
    }
    if (!mode.isString())
        return Outcome::failure(QStringLiteral("/health has no backplane mode"));
    const auto parsedMode = parseBackplaneMode(mode.toString());
    if (!parsedMode)
        return Outcome::failure(QStringLiteral("/health: %1").arg(parsedMode.error()));
    health.backplane = parsedMode.value();

    const QJsonValue redis = firstOf(backplane, {"redisConnected"});
    if (!redis.isUndefined() && !redis.isBool())
        return Outcome::failure(QStringLiteral("/health: redisConnected is not a boolean"));
    health.redisConnected = redis.toBool();

    const QJsonValue full = firstOf(backplane, {"redisFull"});
    if (!full.isUndefined() && !full.isBool())
        return Outcome::failure(QStringLiteral("/health: redisFull is not a boolean"));
    health.redisFull = full.toBool();

    const QJsonValue pending = firstOf(backplane, {"roomsPending"});
    if (!pending.isUndefined()) {
        const double value = pending.toDouble(-1);
        if (!pending.isDouble() || value < 0 || value > 1e9)
            return Outcome::failure(QStringLiteral("/health: roomsPending is not a count"));
        health.roomsPending = int(value);
    }

    const QJsonValue lastError = firstOf(backplane, {"lastBackplaneError", "lastError"});
    if (!lastError.isUndefined() && !lastError.isNull() && !lastError.isString())
        return Outcome::failure(QStringLiteral("/health: last backplane error is not a string"));
    health.lastBackplaneError = lastError.toString().left(500);

    const QJsonValue clients = firstOf(root, {"clients", "connections"});
    if (!clients.isUndefined()) {
        const double value = clients.toDouble(-1);
        if (!clients.isDouble() || value < 0 || value > 1e9)
            return Outcome::failure(QStringLiteral("/health: clients is not a count"));
        health.clients = int(value);
    }
    return health;
}

QJsonObject NodeHealth::toJson() const
{
    QJsonObject json {{QStringLiteral("reachable"), reachable}};
    if (!reachable) {
        json.insert(QStringLiteral("error"), error);
        return json;
    }
    json.insert(QStringLiteral("nodeId"), nodeId);
    json.insert(QStringLiteral("port"), port);
    json.insert(QStringLiteral("backplane"), modeName(backplane));
    json.insert(QStringLiteral("redisConnected"), redisConnected);
    json.insert(QStringLiteral("redisFull"), redisFull);
    json.insert(QStringLiteral("roomsPending"), roomsPending);
    json.insert(QStringLiteral("lastBackplaneError"), lastBackplaneError);
    json.insert(QStringLiteral("clients"), clients);
    return json;
}

bool NodeHealth::carries(BackplaneMode mode) const
{
    return reachable && backplane == mode
        && (mode == BackplaneMode::Off || (redisConnected && roomsPending == 0));
}

bool NodeHealth::sameAs(const NodeHealth &other) const
{
    return reachable == other.reachable && error == other.error && nodeId == other.nodeId
        && port == other.port && backplane == other.backplane
        && redisConnected == other.redisConnected && redisFull == other.redisFull
        && roomsPending == other.roomsPending && lastBackplaneError == other.lastBackplaneError
        && clients == other.clients;
}

} // namespace farmchat
