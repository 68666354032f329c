#pragma once

namespace farmchat {

// How many file descriptors this process may hold (the soft RLIMIT_NOFILE,
// what `ulimit -n` shows), so a server can keep its sockets below it instead
// of running into EMFILE. -1 when the platform sets no such per-process limit.
int openFileLimit();

} // namespace farmchat
