#pragma once

#include <QLoggingCategory>

namespace farmchat {

// farmchat.backplane.streams: every part of the streams backplane logs here.
Q_DECLARE_LOGGING_CATEGORY(lcStreams)

} // namespace farmchat
