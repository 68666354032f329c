#pragma once

#include "backplane/backplane.h"

#include <memory>
#include <utility>

namespace farmchat {

// A sender's one answer, shared by every copy of its message (queued, in
// flight): the first answer (the XADD reply, or this node's reader seeing the
// uid) wins. It outlives the backplane, so an XADD in flight during a mode
// switch still answers its sender.
struct PublishTicket
{
    Backplane::PublishDone done; // empty once answered

    void answer(const PublishOutcome &outcome) { std::exchange(done, {})(outcome); }
};

// One message on its way into its room's stream.
struct OutgoingMessage
{
    ChatMessage message; // id: the uid, or for a re-publish the id clients know
    QString uid; // the hub's node-unique id
    std::shared_ptr<PublishTicket> ticket; // null for a re-publish
    QByteArray knownId; // re-publish: the id clients know it by
    qint64 acceptedAtMs = 0; // re-publish: when Redis first had it
    // Set when Redis took the message but fewer replicas than asked confirmed
    // it in time (WAIT): a failover now could lose it, and the sender is told.
    QString replicationWarning;

    bool awaitsAnswer() const { return ticket && ticket->done; }
};

} // namespace farmchat
