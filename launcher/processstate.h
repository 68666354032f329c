#pragma once

#include <QString>

namespace farmchat {

// Where one supervised child stands. Stopped: not started yet, or stopped on
// request. Starting: spawned, not yet known to serve. Healthy: serving (a
// node answered /health, Redis answered PING). Stopping: SIGTERM sent, waiting.
// Exited: ended by itself with status 0. Crashed: ended by itself any other
// way, failed to start, or was killed with SIGKILL as an injected fault.
enum class ProcessState { Stopped, Starting, Healthy, Stopping, Exited, Crashed };

// "stopped", "starting", "healthy", "stopping", "exited", "crashed".
QString processStateName(ProcessState state);

// Whether a QProcess may still be alive in this state.
constexpr bool isLive(ProcessState state)
{
    return state == ProcessState::Starting || state == ProcessState::Healthy
        || state == ProcessState::Stopping;
}

} // namespace farmchat
