#pragma once

#include "protocol/hubmessage.h"

#include <QJsonValue>
#include <QString>

#include <functional>

namespace farmchat {

class HubSession;

// What a HubSession needs from the hub behind it: to be let in once its
// handshake is done, to run its invocations, and to be let go when it closes.
// ChatHub implements it; the session sees nothing else of the hub.
class HubDispatcher
{
public:
    // The outcome of one hub method; a session turns it into a Completion.
    struct Reply
    {
        QJsonValue result;
        bool hasResult = false;
        QString error;

        static Reply done() { return {}; }
        static Reply value(QJsonValue v) { return {std::move(v), true, {}}; }
        static Reply failure(QString e) { return {{}, false, std::move(e)}; }
    };
    using ReplyFn = std::function<void(const Reply &)>;

    // A session that completed its handshake.
    virtual void addSession(HubSession *session) = 0;
    // Idempotent; called when a session closes.
    virtual void removeSession(HubSession *session) = 0;
    // Runs one Invocation; `reply` is called exactly once, maybe later.
    virtual void invoke(HubSession *session, const HubMessage &invocation, ReplyFn reply) = 0;

protected:
    ~HubDispatcher() = default;
};

} // namespace farmchat
