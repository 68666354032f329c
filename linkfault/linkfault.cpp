#include "linkfault/linkfault.h"

#include <QJsonValue>
#include <QStringList>

#include <cmath>
#include <utility>

namespace farmchat {

namespace {

constexpr double kMaxDelayMs = 60000;
constexpr double kMaxKiBps = 1048576;

const QString kLatency = QStringLiteral("latencyMs");
const QString kJitter = QStringLiteral("jitterMs");
const QString kBandwidth = QStringLiteral("bandwidthKiBps");
const QString kUp = QStringLiteral("up");
const QString kDown = QStringLiteral("down");
const QString kPartitioned = QStringLiteral("partitioned");
const QString kRefuseNew = QStringLiteral("refuseNew");

QString bandwidthText(qint64 bytesPerSecond)
{
    if (bytesPerSecond % 1024 == 0)
        return QStringLiteral("%1 KiB/s").arg(bytesPerSecond / 1024);
    return QStringLiteral("%1 B/s").arg(bytesPerSecond);
}

QStringList directionParts(const DirectionFault &d)
{
    QStringList parts;
    if (d.latencyMs > 0 || d.jitterMs > 0) {
        parts << (d.jitterMs > 0 ? QStringLiteral("%1±%2 ms").arg(d.latencyMs).arg(d.jitterMs)
                                 : QStringLiteral("%1 ms").arg(d.latencyMs));
    }
    if (d.bytesPerSecond > 0)
        parts << bandwidthText(d.bytesPerSecond);
    return parts;
}

// A number in [0, max]; whole when `whole`. The error names the field by its path.
Result<double> numberField(const QJsonValue &value, const QString &path, double max, bool whole)
{
    if (!value.isDouble())
        return Result<double>::failure(QStringLiteral("%1 must be a number").arg(path));
    const double v = value.toDouble();
    if (whole && v != std::floor(v))
        return Result<double>::failure(QStringLiteral("%1 must be a whole number").arg(path));
    if (!(v >= 0 && v <= max)) {
        return Result<double>::failure(
            QStringLiteral("%1 must be between 0 and %2, not %3")
                .arg(path, QString::number(max, 'f', 0), QString::number(v, 'g', 12)));
    }
    return v;
}

// Reads the direction fields of `json` into `into`, leaving absent ones as they are.
Result<void> readDirection(const QJsonObject &json, const QString &prefix, DirectionFault &into)
{
    const struct
    {
        const QString &key;
        double max;
        bool whole;
    } fields[] = {{kLatency, kMaxDelayMs, true}, {kJitter, kMaxDelayMs, true},
        {kBandwidth, kMaxKiBps, false}};
    for (const auto &field : fields) {
        if (!json.contains(field.key))
            continue;
        const Result<double> v
            = numberField(json.value(field.key), prefix + field.key, field.max, field.whole);
        if (!v)
            return Result<void>::failure(v.error());
        if (&field.key == &kLatency)
            into.latencyMs = int(v.value());
        else if (&field.key == &kJitter)
            into.jitterMs = int(v.value());
        else
            into.bytesPerSecond = qint64(std::llround(v.value() * 1024));
    }
    return {};
}

Result<void> checkJitter(const DirectionFault &d, const QString &prefix)
{
    if (d.jitterMs <= d.latencyMs)
        return {};
    return Result<void>::failure(QStringLiteral("%1%2 (%3) must not exceed %1%4 (%5)")
                                     .arg(prefix, kJitter)
                                     .arg(d.jitterMs)
                                     .arg(kLatency)
                                     .arg(d.latencyMs));
}

Result<void> checkKeys(const QJsonObject &json, const QString &prefix, const QStringList &known)
{
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (!known.contains(it.key())) {
            return Result<void>::failure(QStringLiteral("unknown field %1%2 (known: %3)")
                                             .arg(prefix, it.key(), known.join(u", ")));
        }
    }
    return {};
}

void writeDirection(const DirectionFault &d, QJsonObject &json)
{
    json.insert(kLatency, d.latencyMs);
    json.insert(kJitter, d.jitterMs);
    json.insert(kBandwidth, double(d.bytesPerSecond) / 1024.0);
}

} // namespace

QString LinkFault::summary() const
{
    QStringList parts;
    if (up == down) {
        parts << directionParts(up);
    } else {
        const QStringList upParts = directionParts(up);
        const QStringList downParts = directionParts(down);
        if (!upParts.isEmpty())
            parts << QStringLiteral("up ") + upParts.join(u", ");
        if (!downParts.isEmpty())
            parts << QStringLiteral("down ") + downParts.join(u", ");
    }
    if (partitioned)
        parts << QStringLiteral("partitioned");
    if (refuseNew)
        parts << QStringLiteral("refusing new");
    return parts.join(QStringLiteral(" · "));
}

Result<LinkFault> LinkFault::fromJson(const QJsonObject &json)
{
    using R = Result<LinkFault>;
    const QStringList directionKeys {kLatency, kJitter, kBandwidth};
    Result<void> keys = checkKeys(
        json, QString(), directionKeys + QStringList {kUp, kDown, kPartitioned, kRefuseNew});
    if (!keys)
        return R::failure(keys.error());
    LinkFault fault;
    DirectionFault both;
    if (Result<void> r = readDirection(json, QString(), both); !r)
        return R::failure(r.error());
    fault.up = both;
    fault.down = both;
    for (const auto &[key, direction] :
        {std::pair {kUp, &fault.up}, std::pair {kDown, &fault.down}}) {
        if (!json.contains(key))
            continue;
        const QJsonValue value = json.value(key);
        if (!value.isObject())
            return R::failure(QStringLiteral("%1 must be an object").arg(key));
        const QString prefix = key + u'.';
        if (Result<void> r = checkKeys(value.toObject(), prefix, directionKeys); !r)
            return R::failure(r.error());
        if (Result<void> r = readDirection(value.toObject(), prefix, *direction); !r)
            return R::failure(r.error());
    }
    for (const auto &[key, direction] :
        {std::pair {kUp, &fault.up}, std::pair {kDown, &fault.down}}) {
        // Named where the jitter or the latency was given for that direction.
        const QString prefix = json.contains(key) ? key + u'.' : QString();
        if (Result<void> r = checkJitter(*direction, prefix); !r)
            return R::failure(r.error());
    }
    for (const auto &[key, flag] :
        {std::pair {kPartitioned, &fault.partitioned}, std::pair {kRefuseNew, &fault.refuseNew}}) {
        if (!json.contains(key))
            continue;
        if (!json.value(key).isBool())
            return R::failure(QStringLiteral("%1 must be true or false").arg(key));
        *flag = json.value(key).toBool();
    }
    return fault;
}

QJsonObject LinkFault::toJson() const
{
    QJsonObject json;
    if (up == down) {
        writeDirection(up, json);
    } else {
        QJsonObject upJson;
        QJsonObject downJson;
        writeDirection(up, upJson);
        writeDirection(down, downJson);
        json.insert(kUp, upJson);
        json.insert(kDown, downJson);
    }
    json.insert(kPartitioned, partitioned);
    json.insert(kRefuseNew, refuseNew);
    return json;
}

} // namespace farmchat
