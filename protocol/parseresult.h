#pragma once

#include <QString>

#include <optional>
#include <utility>

namespace farmchat {

// The outcome of parsing untrusted input: a value, or a readable error that the
// caller turns into a close code, an HTTP status or a message.
template<typename T>
class ParseResult
{
public:
    ParseResult(T value) : m_value(std::move(value)) { }
    static ParseResult failure(QString error)
    {
        ParseResult r;
        r.m_error = std::move(error);
        return r;
    }

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return *m_value; }
    T &value() & { return *m_value; }
    T &&value() && { return std::move(*m_value); }
    const T *operator->() const { return &*m_value; }
    const QString &error() const { return m_error; }

private:
    ParseResult() = default;
    std::optional<T> m_value;
    QString m_error;
};

} // namespace farmchat
