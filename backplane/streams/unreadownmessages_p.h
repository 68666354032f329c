#pragma once

#include "backplane/streams/streamid_p.h"
#include "protocol/chatmessage.h"

#include <QHash>
#include <QList>

#include <deque>

namespace farmchat {

// This node's own messages that Redis confirmed and its reader has not read
// back yet, per room in stream order. The outbox holds back while there are
// too many (flow control); a retired streams backplane, whose reader has
// stopped, delivers them itself.
class UnreadOwnMessages
{
public:
    qsizetype count() const { return m_count; }

    void add(const QString &room, StreamId id, ChatMessage message);
    // The reader is at `lastId` in `room`: what it passed is read. False when
    // the id is unreadable or nothing of `room` is tracked.
    bool readUpTo(const QString &room, const QByteArray &lastId);
    void forgetRoom(const QString &room);
    // What is still unread in `room`, in stream order; then forgotten.
    QList<ChatMessage> takeRoom(const QString &room);
    void clear();
    // Everything still unread, in stream order within each room; then empty.
    QList<ChatMessage> takeAll();

private:
    struct Unread
    {
        StreamId id;
        ChatMessage message; // as clients will see it
    };
    QHash<QString, std::deque<Unread>> m_rooms;
    qsizetype m_count = 0;
};

} // namespace farmchat
