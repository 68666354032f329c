#pragma once

#include <QHash>
#include <QString>

#include <deque>

namespace farmchat {

// The ids of the most recent messages of one room, so ChatClient shows each
// message once even when the server sends it twice or History overlaps what
// arrived live. Bounded: past `capacity` ids the oldest is forgotten.
class RecentIds
{
public:
    enum class Seen { No, ViaHistoryOnly, Live };

    explicit RecentIds(qsizetype capacity);

    Seen seen(const QString &id) const;
    // Remembers `id`; `live` marks it as delivered by messageReceived. An id
    // seen via History that later arrives live is marked live in place.
    void insert(const QString &id, bool live);
    qsizetype size() const { return qsizetype(m_order.size()); }
    qsizetype capacity() const { return m_capacity; }

private:
    QHash<QString, bool> m_live; // id -> arrived live
    std::deque<QString> m_order; // oldest first
    qsizetype m_capacity;
};

} // namespace farmchat
