#include "server/messagehistory_p.h"

namespace farmchat {

MessageHistory::MessageHistory(int perRoom, int maxRooms, InUse inUse)
    : m_perRoom(qMax(1, perRoom)), m_maxRooms(qMax(1, maxRooms)), m_inUse(std::move(inUse))
{ }

void MessageHistory::append(const ChatMessage &message)
{
    if (!m_rooms.contains(message.room) && m_rooms.size() >= m_maxRooms)
        evictOneRoom();
    Room &room = m_rooms[message.room];
    room.messages.push_back(message);
    while (room.messages.size() > std::size_t(m_perRoom))
        room.messages.pop_front();
    room.lastAppend = ++m_appendCounter;
}

void MessageHistory::evictOneRoom()
{
    auto victim = m_rooms.end();
    for (auto it = m_rooms.begin(); it != m_rooms.end(); ++it) {
        if (m_inUse && m_inUse(it.key()))
            continue;
        if (victim == m_rooms.end() || it->lastAppend < victim->lastAppend)
            victim = it;
    }
    // Every kept room has members here: keep them all rather than drop a live one.
    if (victim != m_rooms.end())
        m_rooms.erase(victim);
}

QList<ChatMessage> MessageHistory::after(
    const QString &room, const QString &afterId, int limit) const
{
    QList<ChatMessage> result;
    const auto it = m_rooms.constFind(room);
    if (it == m_rooms.cend() || limit <= 0)
        return result;
    const auto &messages = it->messages;
    std::size_t start = 0;
    if (!afterId.isEmpty()) {
        for (std::size_t i = messages.size(); i > 0; --i) {
            if (messages[i - 1].id == afterId) {
                start = i;
                break;
            }
        }
    }
    for (std::size_t i = start; i < messages.size() && result.size() < limit; ++i)
        result.append(messages[i]);
    return result;
}

void MessageHistory::clear(const QString &room)
{
    m_rooms.remove(room);
}

} // namespace farmchat
