#pragma once

#include "backplane/backplane.h"

#include <QPointer>
#include <QSet>

namespace farmchat {

class LoopbackBus;

// A pub/sub-like backplane over a LoopbackBus, for hub tests with several
// nodes in one process: the origin node delivers its own message at once
// (via local), every other node watching the room gets it (via pubsub).
// While the bus is disconnected the sender is warned, as in pubsub mode.
class LoopbackBackplane final : public Backplane
{
    Q_OBJECT
public:
    explicit LoopbackBackplane(LoopbackBus &bus, QObject *parent = nullptr);
    ~LoopbackBackplane() override;

    BackplaneMode mode() const override { return BackplaneMode::PubSub; }
    void publish(const ChatMessage &message, PublishDone done) override;
    void watchRoom(const QString &room) override { m_rooms.insert(room); }
    void unwatchRoom(const QString &room) override { m_rooms.remove(room); }
    BackplaneStatus status() const override;

    bool watches(const QString &room) const { return m_rooms.contains(room); }

private:
    void receive(const ChatMessage &message);

    QPointer<LoopbackBus> m_bus;
    QSet<QString> m_rooms;
    qint64 m_dropped = 0;
};

} // namespace farmchat
