#include "launcher/scenario_p.h"

#include "protocol/chatmessage.h"

#include <QJsonDocument>

#include <cmath>

namespace farmchat {

namespace {

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("true/false");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

} // namespace

QString ScenarioReader::message(const QString &field, const QString &what) const
{
    return QStringLiteral("%1: %2: %3").arg(m_source, field, what);
}

Result<QJsonObject> ScenarioReader::object(const QString &field, const QJsonValue &value,
    std::initializer_list<const char *> allowed, bool optional) const
{
    if (value.isUndefined() && optional)
        return QJsonObject();
    if (!value.isObject())
        return failed<QJsonObject>(
            field, QStringLiteral("must be an object, not %1").arg(typeName(value)));
    const QJsonObject object = value.toObject();
    if (allowed.size() == 0)
        return object;
    QStringList known;
    for (const char *key : allowed)
        known << QLatin1String(key);
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key()))
            return failed<QJsonObject>(field,
                QStringLiteral("unknown field '%1' (known: %2)")
                    .arg(it.key().left(40), known.join(u", ")));
    }
    return object;
}

Result<QJsonArray> ScenarioReader::array(
    const QString &field, const QJsonValue &value, int minSize, int maxSize) const
{
    if (!value.isArray())
        return failed<QJsonArray>(
            field, QStringLiteral("must be an array, not %1").arg(typeName(value)));
    const QJsonArray array = value.toArray();
    if (array.size() < minSize || array.size() > maxSize)
        return failed<QJsonArray>(field,
            QStringLiteral("has %1 entries; it takes %2 to %3")
                .arg(array.size())
                .arg(minSize)
                .arg(maxSize));
    return array;
}

Result<QString> ScenarioReader::text(const QString &field, const QJsonValue &value, int minChars,
    int maxChars, std::optional<QString> fallback) const
{
    if (value.isUndefined() && fallback)
        return *fallback;
    if (!value.isString())
        return failed<QString>(
            field, QStringLiteral("must be a string, not %1").arg(typeName(value)));
    const QString text = value.toString();
    if (text.size() < minChars || text.size() > maxChars)
        return failed<QString>(
            field, QStringLiteral("must be %1 to %2 characters long").arg(minChars).arg(maxChars));
    return text;
}

Result<QString> ScenarioReader::name(const QString &field, const QJsonValue &value) const
{
    const auto read = text(field, value, 0, 1000);
    if (!read)
        return read;
    if (const Result<void> ok = checkRoomName(*read); !ok)
        return failed<QString>(field, ok.error());
    return read;
}

Result<QStringList> ScenarioReader::names(const QString &field, const QJsonValue &value) const
{
    if (value.isUndefined())
        return QStringList();
    const auto items = array(field, value, 0, 32);
    if (!items)
        return Result<QStringList>::failure(items.error());
    QStringList names;
    for (qsizetype i = 0; i < items->size(); ++i) {
        const auto one = name(QStringLiteral("%1[%2]").arg(field).arg(i), items->at(i));
        if (!one)
            return Result<QStringList>::failure(one.error());
        names << *one;
    }
    return names;
}

Result<double> ScenarioReader::number(const QString &field, const QJsonValue &value, double min,
    double max, std::optional<double> fallback) const
{
    if (value.isUndefined() && fallback)
        return *fallback;
    if (!value.isDouble())
        return failed<double>(
            field, QStringLiteral("must be a number, not %1").arg(typeName(value)));
    const double number = value.toDouble();
    if (!(number >= min && number <= max))
        return failed<double>(field,
            QStringLiteral("is %1; it takes %2 to %3")
                .arg(QString::number(number, 'g', 12), QString::number(min, 'g', 12),
                    QString::number(max, 'g', 12)));
    return number;
}

Result<int> ScenarioReader::integer(const QString &field, const QJsonValue &value, int min, int max,
    std::optional<int> fallback) const
{
    const auto read = number(field, value, min, max, fallback);
    if (!read)
        return Result<int>::failure(read.error());
    if (*read != std::floor(*read))
        return failed<int>(field, QStringLiteral("must be a whole number"));
    return int(*read);
}

Result<void> ScenarioReader::timing(
    const QJsonObject &top, int &graceMs, int &settleMs, int &timeoutMs) const
{
    const auto grace
        = integer(QStringLiteral("graceMs"), top.value(u"graceMs"), 100, 60000, graceMs);
    if (!grace)
        return Result<void>::failure(grace.error());
    const auto settle = integer(QStringLiteral("settleTimeoutMs"), top.value(u"settleTimeoutMs"),
        1000, Scenario::kMaxWaitMs, settleMs);
    if (!settle)
        return Result<void>::failure(settle.error());
    const auto timeout = integer(QStringLiteral("timeoutMs"), top.value(u"timeoutMs"), 10000,
        3 * Scenario::kMaxWaitMs, timeoutMs);
    if (!timeout)
        return Result<void>::failure(timeout.error());
    graceMs = *grace;
    settleMs = *settle;
    timeoutMs = *timeout;
    return {};
}

} // namespace farmchat
