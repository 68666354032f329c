#include "backplane/loopbackbus.h"

namespace farmchat {

void LoopbackBus::setConnected(bool connected)
{
    if (m_connected == connected)
        return;
    m_connected = connected;
    Q_EMIT connectedChanged(connected);
}

void LoopbackBus::attach(QObject *node, Watches watches, Receive receive)
{
    m_members.append(Member {node, std::move(watches), std::move(receive)});
}

void LoopbackBus::detach(QObject *node)
{
    m_members.removeIf(
        [node](const Member &member) { return !member.node || member.node.data() == node; });
}

void LoopbackBus::carry(const ChatMessage &message, const QObject *from)
{
    ChatMessage crossing = message;
    crossing.via = Via::PubSub;
    for (const Member &member : std::as_const(m_members)) {
        if (!member.node || member.node.data() == from || !member.watches(message.room))
            continue;
        ++m_carried;
        // Queued, as a network hop would be: the receiver runs on a later turn.
        QMetaObject::invokeMethod(
            member.node,
            [node = member.node, receive = member.receive, crossing] {
                if (node)
                    receive(crossing);
            },
            Qt::QueuedConnection);
    }
}

} // namespace farmchat
