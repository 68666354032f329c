#pragma once

#include <QString>

namespace farmchat {

// Where a FarmSupervisor stands: Stopped → Starting → Running → Stopping →
// Stopped. A failed start goes Starting → Stopping (error() says why) → Stopped.
enum class FarmState { Stopped, Starting, Running, Stopping };

// "stopped", "starting", "running", "stopping".
QString farmStateName(FarmState state);

} // namespace farmchat
