#pragma once

#include <QString>

#include <optional>
#include <type_traits>
#include <utility>

namespace farmchat {

// The outcome of a call that can fail: a value, or an error that the caller
// turns into a close code, an HTTP status, an exit status or a message.
// The one error style of FarmChat, from parsers of untrusted bytes to the
// command lines of the programs. The error is a readable sentence; a caller
// that must tell failures apart (an exit status per kind) names a small
// struct as E instead.
template<typename T, typename E = QString> class Result
{
public:
    Result(T value) : m_value(std::move(value)) { }
    // From anything that converts to T, as std::optional does: a
    // std::unique_ptr<Derived> for a Result<std::unique_ptr<Base>>.
    template<typename U,
        std::enable_if_t<
            std::is_convertible_v<U &&,
                T> && !std::is_same_v<std::decay_t<U>, T> && !std::is_same_v<std::decay_t<U>, Result>,
            int> = 0>
    Result(U &&value) : m_value(T(std::forward<U>(value)))
    { }
    static Result failure(E error)
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
    const T &operator*() const & { return *m_value; }
    T &operator*() & { return *m_value; }
    const T *operator->() const { return &*m_value; }
    T *operator->() { return &*m_value; }
    const E &error() const { return m_error; }

private:
    Result() = default;
    std::optional<T> m_value;
    E m_error {};
};

// A call that gives nothing back but can fail: ok, or why not.
template<typename E> class Result<void, E>
{
public:
    Result() = default;
    static Result failure(E error)
    {
        Result r;
        r.m_failed = true;
        r.m_error = std::move(error);
        return r;
    }

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const E &error() const { return m_error; }

private:
    bool m_failed = false;
    E m_error {};
};

} // namespace farmchat
