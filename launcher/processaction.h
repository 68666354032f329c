#pragma once

namespace farmchat {

// What a user (the Faults dock, the control channel, a scenario) can do to
// one process of the farm.
enum class ProcessAction { Kill, Stop, Restart, Pause, Resume };

} // namespace farmchat
