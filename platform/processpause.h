#pragma once

#include "core/result.h"

#include <QtGlobal>

namespace farmchat {

// Freezes process `pid` (SIGSTOP: it keeps its sockets but answers nothing,
// a hang rather than a crash) or lets it run again (SIGCONT). Fails, saying
// why, where the platform cannot do that.
Result<void> pauseProcess(qint64 pid, bool paused);

} // namespace farmchat
