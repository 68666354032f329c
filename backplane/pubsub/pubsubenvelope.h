#pragma once

#include "core/result.h"
#include "protocol/chatmessage.h"

#include <QByteArray>

namespace farmchat {

// What one node PUBLISHes on {prefix}:room:{room} in pubsub mode: the message
// plus what receivers need to count losses exactly. `seq` counts this origin's
// messages in the room (from 1, per boot); a receiver that sees it jump knows
// how many it missed. `boot` changes whenever the origin starts counting anew.
struct PubSubEnvelope
{
    static constexpr int kVersion = 1;
    static constexpr qsizetype kMaxBytes = 64 * 1024;

    QString origin; // the origin node's id
    QString boot; // the origin's counting epoch (one per pubsub backplane instance)
    qint64 seq = 0;
    ChatMessage message;

    QByteArray encode() const;
    // Untrusted input (anyone with the Redis password can publish): checks the
    // shape, the limits clients are held to, and that it belongs to `room`.
    static Result<PubSubEnvelope> decode(const QByteArray &payload, const QString &room);
};

} // namespace farmchat
