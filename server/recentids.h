#pragma once

#include <QSet>
#include <QString>

#include <deque>

namespace farmchat {

// The last N ids seen, oldest forgotten first: how a streams reader notices a
// message it already delivered (a retried XADD, a re-publish after Redis lost
// its data) in memory bounded by the capacity.
class RecentIds
{
public:
    explicit RecentIds(qsizetype capacity) : m_capacity(qMax<qsizetype>(1, capacity)) { }

    bool contains(const QString &id) const { return m_set.contains(id); }
    // False when it was already there.
    bool insert(const QString &id);
    qsizetype size() const { return m_set.size(); }
    qsizetype capacity() const { return m_capacity; }

private:
    qsizetype m_capacity;
    QSet<QString> m_set;
    std::deque<QString> m_order;
};

} // namespace farmchat
