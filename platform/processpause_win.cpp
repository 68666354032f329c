#include "platform/processpause.h"

#include <QString>

namespace farmchat {

Result<void> pauseProcess(qint64, bool)
{
    return Result<void>::failure(
        QStringLiteral("pausing a process (SIGSTOP) is not available on Windows"));
}

} // namespace farmchat
