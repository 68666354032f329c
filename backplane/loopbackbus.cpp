#include "backplane/loopbackbus.h"

#include "backplane/loopbackbackplane.h"

namespace farmchat {

void LoopbackBus::setConnected(bool connected)
{
    if (m_connected == connected)
        return;
    m_connected = connected;
    for (const auto &backplane : std::as_const(m_backplanes)) {
        if (backplane)
            Q_EMIT backplane->statusChanged();
    }
}

void LoopbackBus::attach(LoopbackBackplane *backplane)
{
    m_backplanes.append(backplane);
}

void LoopbackBus::detach(LoopbackBackplane *backplane)
{
    m_backplanes.removeAll(backplane);
    m_backplanes.removeAll(nullptr);
}

void LoopbackBus::carry(const ChatMessage &message, const LoopbackBackplane *from)
{
    ChatMessage crossing = message;
    crossing.via = Via::PubSub;
    for (const auto &backplane : std::as_const(m_backplanes)) {
        if (!backplane || backplane == from || !backplane->watches(message.room))
            continue;
        ++m_carried;
        // Queued, as a network hop would be: the receiver runs on a later turn.
        QMetaObject::invokeMethod(
            backplane,
            [target = backplane, crossing] {
                if (target)
                    target->receive(crossing);
            },
            Qt::QueuedConnection);
    }
}

} // namespace farmchat
