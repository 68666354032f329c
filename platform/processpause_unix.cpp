#include "platform/processpause.h"

#include <QString>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <sys/types.h>

namespace farmchat {

Result<void> pauseProcess(qint64 pid, bool paused)
{
    if (pid <= 0)
        return Result<void>::failure(
            QStringLiteral("no process to %1").arg(paused ? "pause" : "resume"));
    if (::kill(pid_t(pid), paused ? SIGSTOP : SIGCONT) != 0)
        return Result<void>::failure(QString::fromLocal8Bit(std::strerror(errno)));
    return {};
}

} // namespace farmchat
