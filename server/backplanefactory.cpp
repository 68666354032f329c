#include "server/backplanefactory.h"

#include "server/localbackplane.h"

namespace farmchat {

BackplaneFactory::BackplaneFactory(BackplaneSettings settings, NodeMetrics &metrics, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)), m_metrics(metrics)
{
}

BackplaneFactory::~BackplaneFactory() = default;

std::unique_ptr<Backplane> BackplaneFactory::create(BackplaneMode mode, QString *error)
{
    if (mode == BackplaneMode::Off)
        return std::make_unique<LocalBackplane>();
    if (!hasRedis()) {
        if (error)
            *error = QStringLiteral("no Redis configured (start the node with --redis URL)");
        return nullptr;
    }
    // The Redis backplanes (pubsub, streams) plug in here.
    if (error)
        *error = QStringLiteral("backplane mode '%1' is not available in this build").arg(modeName(mode));
    return nullptr;
}

} // namespace farmchat
