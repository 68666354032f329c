#pragma once

#include "protocol/chatmessage.h"

#include <QHash>
#include <QList>
#include <QString>

#include <deque>
#include <functional>

namespace farmchat {

// The node's in-memory history: a ring buffer of the last N delivered messages
// per room, answering History and GET /rooms/{room}/messages when the
// backplane keeps no farm-wide history. The number of rooms kept is capped:
// past it, the quietest room nobody here is in is forgotten.
class MessageHistory
{
public:
    using InUse = std::function<bool(const QString &room)>;

    explicit MessageHistory(int perRoom, int maxRooms = 256, InUse inUse = {});

    void append(const ChatMessage &message);
    // Up to `limit` messages after the one with id `afterId`, oldest first.
    // Empty or unknown `afterId` (never seen, or already dropped from the
    // window): from the oldest message kept. Clients de-duplicate by id.
    QList<ChatMessage> after(const QString &room, const QString &afterId, int limit) const;
    void clear(const QString &room);
    int roomCount() const { return int(m_rooms.size()); }
    int perRoom() const { return m_perRoom; }

private:
    void evictOneRoom();

    struct Room
    {
        std::deque<ChatMessage> messages;
        quint64 lastAppend = 0;
    };
    QHash<QString, Room> m_rooms;
    int m_perRoom;
    int m_maxRooms;
    InUse m_inUse;
    quint64 m_appendCounter = 0;
};

} // namespace farmchat
