#include "launcher/farmstate.h"

namespace farmchat {

QString farmStateName(FarmState state)
{
    switch (state) {
    case FarmState::Stopped:
        return QStringLiteral("stopped");
    case FarmState::Starting:
        return QStringLiteral("starting");
    case FarmState::Running:
        return QStringLiteral("running");
    case FarmState::Stopping:
        return QStringLiteral("stopping");
    }
    return QStringLiteral("stopped");
}

} // namespace farmchat
