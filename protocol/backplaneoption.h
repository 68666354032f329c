#pragma once

#include "core/commandline.h"
#include "protocol/backplanemode.h"

#include <functional>

namespace farmchat {

// The --backplane option, defined once for farmchat-node, farmchat-launcher
// and farmchat: off, pubsub or streams, read by parseBackplaneMode().
// `defaultText` says what the program does when it is not given.
CommandLineOption backplaneOption(
    const QString &defaultText, std::function<void(BackplaneMode)> store);

} // namespace farmchat
