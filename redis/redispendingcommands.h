#pragma once

#include "redis/redisvalue.h"

#include <QElapsedTimer>
#include <QTimer>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace farmchat {

// The commands one RedisConnection has sent and not yet had answered, each
// with its deadline: one QTimer armed for the earliest, entries handed back
// in the order they were issued. Replies arrive in that order too, so the id
// of a command is also its place in line.
class RedisPendingCommands
{
public:
    using Callback = std::function<void(const RedisValue &reply)>;
    struct Entry
    {
        Callback callback;
        int timeoutMs = 0;
        QByteArray name; // the command's name only: arguments may be secret
    };
    // Called with the entries whose deadline passed, already removed.
    using ExpiredHandler = std::function<void(std::vector<Entry> expired)>;

    explicit RedisPendingCommands(ExpiredHandler onExpired);

    void add(quint64 id, Callback callback, int timeoutMs, QByteArray name);
    // The entry for a reply; nullopt when its deadline already passed.
    std::optional<Entry> take(quint64 id);
    std::vector<Entry> takeAll();
    bool isEmpty() const { return m_entries.empty(); }
    qsizetype size() const { return qsizetype(m_entries.size()); }

private:
    struct Stored
    {
        Entry entry;
        qint64 deadline = 0;
    };
    void expire();
    void arm();

    ExpiredHandler m_onExpired;
    std::map<quint64, Stored> m_entries;
    std::set<std::pair<qint64, quint64>> m_deadlines; // (deadline, id)
    QElapsedTimer m_clock;
    QTimer m_timer;
};

} // namespace farmchat
