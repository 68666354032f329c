#pragma once

#include "protocol/chatmessage.h"

#include <QList>
#include <QObject>
#include <QPointer>

#include <functional>

namespace farmchat {

// An in-process stand-in for Redis pub/sub, so tests can run several nodes in
// one process without a redis-server (KDE Connect's loopback backend idea).
// setConnected(false) plays "Redis is down": messages then stay on their node.
// It knows its nodes only as what attach() gives it (LoopbackBackplane is one).
class LoopbackBus : public QObject
{
    Q_OBJECT
public:
    // Whether a node takes a room's messages, and where they go when it does.
    using Watches = std::function<bool(const QString &room)>;
    using Receive = std::function<void(const ChatMessage &message)>;

    using QObject::QObject;

    bool isConnected() const { return m_connected; }
    void setConnected(bool connected);
    qint64 carried() const { return m_carried; }

    // `node` names the node and bounds its lifetime: nothing reaches it once
    // it is destroyed.
    void attach(QObject *node, Watches watches, Receive receive);
    void detach(QObject *node);
    // Hands `message` to every other attached node that watches its room.
    void carry(const ChatMessage &message, const QObject *from);

Q_SIGNALS:
    void connectedChanged(bool connected);

private:
    struct Member
    {
        QPointer<QObject> node;
        Watches watches;
        Receive receive;
    };

    QList<Member> m_members;
    bool m_connected = true;
    qint64 m_carried = 0;
};

} // namespace farmchat
