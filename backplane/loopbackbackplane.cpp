#include "backplane/loopbackbackplane.h"

#include "backplane/loopbackbus.h"

namespace farmchat {

LoopbackBackplane::LoopbackBackplane(LoopbackBus &bus, QObject *parent)
    : Backplane(parent), m_bus(&bus)
{
    m_bus->attach(
        this, [this](const QString &room) { return watches(room); },
        [this](const ChatMessage &message) { receive(message); });
    connect(m_bus, &LoopbackBus::connectedChanged, this, &Backplane::statusChanged);
}

LoopbackBackplane::~LoopbackBackplane()
{
    if (m_bus)
        m_bus->detach(this);
}

void LoopbackBackplane::publish(const ChatMessage &message, PublishDone done)
{
    ChatMessage local = message;
    local.via = Via::Local;
    Q_EMIT deliver(local);
    if (!m_bus || !m_bus->isConnected()) {
        ++m_dropped;
        done(Published {local.id,
            QStringLiteral("the loopback bus is down: other nodes did not get this message")});
        return;
    }
    m_bus->carry(local, this);
    done(Published {local.id, {}});
}

void LoopbackBackplane::receive(const ChatMessage &message)
{
    if (m_rooms.contains(message.room))
        Q_EMIT deliver(message);
}

BackplaneStatus LoopbackBackplane::status() const
{
    BackplaneStatus s;
    s.mode = mode();
    s.redisConnected = m_bus && m_bus->isConnected();
    if (!s.redisConnected)
        s.lastError = QStringLiteral("the loopback bus is down (%1 messages stayed on this node)")
                          .arg(m_dropped);
    return s;
}

} // namespace farmchat
