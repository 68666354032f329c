#include "client/recentids_p.h"

namespace farmchat {

RecentIds::RecentIds(qsizetype capacity) : m_capacity(qMax<qsizetype>(1, capacity)) { }

RecentIds::Seen RecentIds::seen(const QString &id) const
{
    const auto it = m_live.constFind(id);
    if (it == m_live.constEnd())
        return Seen::No;
    return it.value() ? Seen::Live : Seen::ViaHistoryOnly;
}

void RecentIds::insert(const QString &id, bool live)
{
    const auto it = m_live.find(id);
    if (it != m_live.end()) {
        it.value() = it.value() || live;
        return;
    }
    m_live.insert(id, live);
    m_order.push_back(id);
    while (qsizetype(m_order.size()) > m_capacity) {
        m_live.remove(m_order.front());
        m_order.pop_front();
    }
}

} // namespace farmchat
