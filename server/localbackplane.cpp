#include "server/localbackplane.h"

#include "server/nodemetrics.h"

namespace farmchat {

LocalBackplane::LocalBackplane(NodeMetrics &metrics, QObject *parent) : Backplane(parent), m_metrics(metrics) { }

void LocalBackplane::publish(const ChatMessage &message, PublishDone done)
{
    ChatMessage local = message;
    local.via = Via::Local;
    Q_EMIT deliver(local);
    done(PublishOutcome {local.id, {}, {}});
}

BackplaneStatus LocalBackplane::status() const
{
    Q_UNUSED(m_metrics);
    return BackplaneStatus {};
}

} // namespace farmchat
