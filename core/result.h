#pragma once

#include <QString>

#include <optional>
#include <utility>

namespace farmchat {

// The outcome of a call that can fail: a value, or a readable error that the
// caller turns into a close code, an HTTP status, an exit status or a message.
// The one error style of FarmChat, from parsers of untrusted bytes to the
// command lines of the programs.
template<typename T> class Result
{
public:
    Result(T value) : m_value(std::move(value)) { }
    static Result failure(QString error)
    {
        Result r;
        r.m_error = std::move(error);
        return r;
    }

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return *m_value; }
    T &value() & { return *m_value; }
    T &&value() && { return std::move(*m_value); }
    const T *operator->() const { return &*m_value; }
    T *operator->() { return &*m_value; }
    const QString &error() const { return m_error; }

private:
    Result() = default;
    std::optional<T> m_value;
    QString m_error;
};

// A call that gives nothing back but can fail: ok, or why not.
template<> class Result<void>
{
public:
    Result() = default;
    static Result failure(QString error)
    {
        Result r;
        r.m_failed = true;
        r.m_error = std::move(error);
        return r;
    }

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const QString &error() const { return m_error; }

private:
    bool m_failed = false;
    QString m_error;
};

} // namespace farmchat
