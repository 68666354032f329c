#include "protocol/backplaneoption.h"

namespace farmchat {

CommandLineOption backplaneOption(
    const QString &defaultText, std::function<void(BackplaneMode)> store)
{
    CommandLineOption option = CommandLineOption::parsed<BackplaneMode>(QStringLiteral("backplane"),
        QStringLiteral("MODE"), QStringLiteral("off, pubsub or streams"), parseBackplaneMode,
        std::move(store));
    return option.withDefault(defaultText);
}

} // namespace farmchat
