#pragma once

#include "launcher/launcheroptions.h"

namespace farmchat {

// farmchat-launcher's whole command line: LauncherOptions::parse(), then what
// needs the scenario files: --list-scenarios prints the bundled ones, and
// --scenario reads its file (or bundled name), checks it whole and makes its
// farm the one to start. A bad file is a usage error, like a bad flag.
Result<CommandLineRequest<LauncherOptions>> parseLauncherCommandLine(const QStringList &arguments);

} // namespace farmchat
