#include "redis/redispendingcommands.h"

#include <algorithm>

namespace farmchat {

RedisPendingCommands::RedisPendingCommands(ExpiredHandler onExpired)
    : m_onExpired(std::move(onExpired))
{
    m_clock.start();
    m_timer.setSingleShot(true);
    QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] { expire(); });
}

void RedisPendingCommands::add(quint64 id, Callback callback, int timeoutMs, QByteArray name)
{
    const qint64 deadline = m_clock.elapsed() + timeoutMs;
    m_entries.emplace(
        id, Stored {Entry {std::move(callback), timeoutMs, std::move(name)}, deadline});
    m_deadlines.emplace(deadline, id);
    arm();
}

std::optional<RedisPendingCommands::Entry> RedisPendingCommands::take(quint64 id)
{
    const auto it = m_entries.find(id);
    if (it == m_entries.end())
        return std::nullopt;
    Entry entry = std::move(it->second.entry);
    m_deadlines.erase({it->second.deadline, id});
    m_entries.erase(it);
    arm();
    return entry;
}

std::vector<RedisPendingCommands::Entry> RedisPendingCommands::takeAll()
{
    std::vector<Entry> out;
    out.reserve(m_entries.size());
    for (auto &[id, stored] : m_entries)
        out.push_back(std::move(stored.entry));
    m_entries.clear();
    m_deadlines.clear();
    m_timer.stop();
    return out;
}

void RedisPendingCommands::arm()
{
    if (m_deadlines.empty()) {
        m_timer.stop();
        return;
    }
    const qint64 wait = std::max<qint64>(0, m_deadlines.begin()->first - m_clock.elapsed());
    m_timer.start(int(std::min<qint64>(wait, 24 * 3600 * 1000)));
}

void RedisPendingCommands::expire()
{
    const qint64 now = m_clock.elapsed();
    std::vector<std::pair<quint64, Entry>> expired;
    while (!m_deadlines.empty() && m_deadlines.begin()->first <= now) {
        const quint64 id = m_deadlines.begin()->second;
        m_deadlines.erase(m_deadlines.begin());
        const auto it = m_entries.find(id);
        expired.emplace_back(id, std::move(it->second.entry));
        m_entries.erase(it);
    }
    arm();
    std::sort(expired.begin(), expired.end(),
        [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<Entry> entries;
    for (auto &e : expired)
        entries.push_back(std::move(e.second));
    if (!entries.empty())
        m_onExpired(std::move(entries));
}

} // namespace farmchat
