#include "backplane/localbackplane.h"

namespace farmchat {

void LocalBackplane::publish(const ChatMessage &message, PublishDone done)
{
    ChatMessage local = message;
    local.via = Via::Local;
    Q_EMIT deliver(local);
    done(Published {local.id, {}});
}

} // namespace farmchat
