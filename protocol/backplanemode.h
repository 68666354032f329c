#pragma once

#include "core/result.h"

#include <QString>

namespace farmchat {

// How a node shares chat messages with the other nodes of its farm.
enum class BackplaneMode { Off, PubSub, Streams };

QString modeName(BackplaneMode mode);
// Accepts "off", "pubsub", "pub-sub", "streams" in any case.
Result<BackplaneMode> parseBackplaneMode(QStringView text);

} // namespace farmchat
