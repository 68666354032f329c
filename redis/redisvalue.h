#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace farmchat {

// One Redis reply as a plain value, so nothing outside redis/ touches hiredis'
// redisReply. Replies are untrusted input: the expect*() accessors check the
// shape and return a readable error instead of assuming it.
class RedisValue
{
public:
    enum class Type { Nil, Status, Error, Integer, Bulk, Array };

    RedisValue() = default; // Nil

    static RedisValue status(QByteArray text);
    static RedisValue error(QByteArray text);
    // The command got no answer (not connected, link lost, deadline passed):
    // Redis may or may not have executed it.
    static RedisValue linkError(const QString &text);
    static RedisValue integer(qint64 value);
    static RedisValue bulk(QByteArray data);
    static RedisValue array(QList<RedisValue> elements);

    Type type() const { return m_type; }
    bool isNil() const { return m_type == Type::Nil; }
    bool isError() const { return m_type == Type::Error; }
    bool isLinkError() const { return m_type == Type::Error && m_linkError; }
    // Redis refused a command that may use memory because it is at its
    // `maxmemory` (and evicts nothing): "OOM command not allowed when used
    // memory > 'maxmemory'." The link is fine; the same command succeeds once
    // memory is freed or the cap raised.
    bool isOutOfMemory() const
    {
        return m_type == Type::Error && !m_linkError && m_bytes.startsWith("OOM ");
    }
    bool isArray() const { return m_type == Type::Array; }
    bool isInteger() const { return m_type == Type::Integer; }
    // Bulk or status: the two ways Redis sends a string.
    bool isString() const { return m_type == Type::Bulk || m_type == Type::Status; }

    // Text of a status, error or bulk value; empty otherwise.
    const QByteArray &bytes() const { return m_bytes; }
    qint64 toInteger() const { return m_integer; }
    const QList<RedisValue> &elements() const { return m_elements; }
    // The error text for an Error value (what Redis or the link said).
    QString errorText() const;

    // Shape checks: `what` names the value in the error, e.g. "XADD reply".
    Result<QByteArray> expectString(const char *what) const;
    Result<qint64> expectInteger(const char *what) const;
    // An array of at least minSize elements.
    Result<QList<RedisValue>> expectArray(const char *what, qsizetype minSize = 0) const;
    // "OK" status, the usual answer to SET, SELECT, AUTH.
    QString expectOk(const char *what) const;

    // A short description for logs and errors; bulk contents are not shown.
    QString describe() const;

    friend bool operator==(const RedisValue &a, const RedisValue &b);
    friend bool operator!=(const RedisValue &a, const RedisValue &b) { return !(a == b); }

private:
    Type m_type = Type::Nil;
    bool m_linkError = false;
    qint64 m_integer = 0;
    QByteArray m_bytes;
    QList<RedisValue> m_elements;
};

QString typeName(RedisValue::Type type);

} // namespace farmchat
