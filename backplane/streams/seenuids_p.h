#pragma once

#include <QSet>
#include <QString>

#include <deque>

namespace farmchat {

// The last N message uids a streams reader delivered, oldest forgotten first:
// how it notices a copy (a retried XADD, a re-publish after Redis lost
// its data) in memory bounded by the capacity.
class SeenUids
{
public:
    explicit SeenUids(qsizetype capacity) : m_capacity(qMax<qsizetype>(1, capacity)) { }

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
