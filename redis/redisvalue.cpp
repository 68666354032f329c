#include "redis/redisvalue.h"

namespace farmchat {

RedisValue RedisValue::status(QByteArray text)
{
    RedisValue v;
    v.m_type = Type::Status;
    v.m_bytes = std::move(text);
    return v;
}

RedisValue RedisValue::error(QByteArray text)
{
    RedisValue v;
    v.m_type = Type::Error;
    v.m_bytes = std::move(text);
    return v;
}

RedisValue RedisValue::linkError(const QString &text)
{
    RedisValue v = error(text.toUtf8());
    v.m_linkError = true;
    return v;
}

RedisValue RedisValue::integer(qint64 value)
{
    RedisValue v;
    v.m_type = Type::Integer;
    v.m_integer = value;
    return v;
}

RedisValue RedisValue::bulk(QByteArray data)
{
    RedisValue v;
    v.m_type = Type::Bulk;
    v.m_bytes = std::move(data);
    return v;
}

RedisValue RedisValue::array(QList<RedisValue> elements)
{
    RedisValue v;
    v.m_type = Type::Array;
    v.m_elements = std::move(elements);
    return v;
}

QString RedisValue::errorText() const
{
    return isError() ? QString::fromUtf8(m_bytes) : QString();
}

namespace {

QString unexpected(const char *what, const RedisValue &value, const char *wanted)
{
    if (value.isError())
        return QStringLiteral("%1: %2").arg(QLatin1String(what), value.errorText());
    return QStringLiteral("%1: expected %2, got %3")
        .arg(QLatin1String(what), QLatin1String(wanted), value.describe());
}

} // namespace

Result<QByteArray> RedisValue::expectString(const char *what) const
{
    if (isString())
        return m_bytes;
    return Result<QByteArray>::failure(unexpected(what, *this, "a string"));
}

Result<qint64> RedisValue::expectInteger(const char *what) const
{
    if (isInteger())
        return m_integer;
    return Result<qint64>::failure(unexpected(what, *this, "an integer"));
}

Result<QList<RedisValue>> RedisValue::expectArray(const char *what, qsizetype minSize) const
{
    using R = Result<QList<RedisValue>>;
    if (!isArray())
        return R::failure(unexpected(what, *this, "an array"));
    if (m_elements.size() < minSize)
        return R::failure(QStringLiteral("%1: expected an array of at least %2 elements, got %3")
                              .arg(QLatin1String(what))
                              .arg(minSize)
                              .arg(m_elements.size()));
    return m_elements;
}

QString RedisValue::expectOk(const char *what) const
{
    if (m_type == Type::Status && m_bytes == "OK")
        return {};
    return unexpected(what, *this, "OK");
}

QString RedisValue::describe() const
{
    switch (m_type) {
    case Type::Nil:
        return QStringLiteral("nil");
    case Type::Status:
        return QStringLiteral("status '%1'").arg(QString::fromUtf8(m_bytes.left(40)));
    case Type::Error:
        return QStringLiteral("error '%1'").arg(errorText());
    case Type::Integer:
        return QStringLiteral("integer %1").arg(m_integer);
    case Type::Bulk:
        return QStringLiteral("a string of %1 bytes").arg(m_bytes.size());
    case Type::Array:
        return QStringLiteral("an array of %1 elements").arg(m_elements.size());
    }
    return QStringLiteral("nil");
}

bool operator==(const RedisValue &a, const RedisValue &b)
{
    if (a.m_type != b.m_type || a.m_linkError != b.m_linkError || a.m_integer != b.m_integer
        || a.m_bytes != b.m_bytes || a.m_elements.size() != b.m_elements.size())
        return false;
    for (qsizetype i = 0; i < a.m_elements.size(); ++i) {
        if (!(a.m_elements[i] == b.m_elements[i]))
            return false;
    }
    return true;
}

QString typeName(RedisValue::Type type)
{
    switch (type) {
    case RedisValue::Type::Nil:
        return QStringLiteral("nil");
    case RedisValue::Type::Status:
        return QStringLiteral("status");
    case RedisValue::Type::Error:
        return QStringLiteral("error");
    case RedisValue::Type::Integer:
        return QStringLiteral("integer");
    case RedisValue::Type::Bulk:
        return QStringLiteral("bulk");
    case RedisValue::Type::Array:
        return QStringLiteral("array");
    }
    return QStringLiteral("nil");
}

} // namespace farmchat
