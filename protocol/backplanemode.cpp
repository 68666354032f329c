#include "protocol/backplanemode.h"

namespace farmchat {

QString modeName(BackplaneMode mode)
{
    switch (mode) {
    case BackplaneMode::Off:
        return QStringLiteral("off");
    case BackplaneMode::PubSub:
        return QStringLiteral("pubsub");
    case BackplaneMode::Streams:
        return QStringLiteral("streams");
    }
    return QStringLiteral("off");
}

Result<BackplaneMode> parseBackplaneMode(QStringView text)
{
    const QString mode = text.trimmed().toString().toLower();
    if (mode == u"off")
        return BackplaneMode::Off;
    if (mode == u"pubsub" || mode == u"pub-sub")
        return BackplaneMode::PubSub;
    if (mode == u"streams")
        return BackplaneMode::Streams;
    return Result<BackplaneMode>::failure(
        QStringLiteral("unknown backplane mode '%1' (expected off, pubsub or streams)")
            .arg(text.left(40)));
}

} // namespace farmchat
