#pragma once

#include "protocol/chatmessage.h"

#include <QList>
#include <QObject>
#include <QPointer>

namespace farmchat {

class LoopbackBackplane;

// An in-process stand-in for Redis pub/sub, so tests can run several nodes in
// one process without a redis-server (KDE Connect's loopback backend idea).
// setConnected(false) plays "Redis is down": messages then stay on their node.
class LoopbackBus : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    bool isConnected() const { return m_connected; }
    void setConnected(bool connected);
    qint64 carried() const { return m_carried; }

private:
    friend class LoopbackBackplane;
    void attach(LoopbackBackplane *backplane);
    void detach(LoopbackBackplane *backplane);
    // Hands `message` to every other attached backplane that watches its room.
    void carry(const ChatMessage &message, const LoopbackBackplane *from);

    QList<QPointer<LoopbackBackplane>> m_backplanes;
    bool m_connected = true;
    qint64 m_carried = 0;
};

} // namespace farmchat
