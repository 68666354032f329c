#include "backplane/streams/unreadownmessages_p.h"

namespace farmchat {

void UnreadOwnMessages::add(const QString &room, StreamId id, ChatMessage message)
{
    m_rooms[room].push_back(Unread {id, std::move(message)});
    ++m_count;
}

bool UnreadOwnMessages::readUpTo(const QString &room, const QByteArray &lastId)
{
    const auto at = StreamId::parse(QByteArrayView(lastId));
    const auto it = m_rooms.find(room);
    if (!at || it == m_rooms.end())
        return false;
    while (!it->empty() && it->front().id <= *at) {
        it->pop_front();
        --m_count;
    }
    return true;
}

void UnreadOwnMessages::forgetRoom(const QString &room)
{
    m_count -= qsizetype(m_rooms.take(room).size());
}

QList<ChatMessage> UnreadOwnMessages::takeRoom(const QString &room)
{
    QList<ChatMessage> messages;
    for (const Unread &unread : m_rooms.take(room))
        messages.append(unread.message);
    m_count -= messages.size();
    return messages;
}

void UnreadOwnMessages::clear()
{
    m_rooms.clear();
    m_count = 0;
}

QList<ChatMessage> UnreadOwnMessages::takeAll()
{
    QList<ChatMessage> messages;
    for (const std::deque<Unread> &room : std::as_const(m_rooms)) {
        for (const Unread &unread : room)
            messages.append(unread.message);
    }
    clear();
    return messages;
}

} // namespace farmchat
