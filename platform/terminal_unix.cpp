#include "platform/terminal.h"

#include <unistd.h>

namespace farmchat {

bool supportsColour(std::FILE *stream)
{
    if (qEnvironmentVariableIsSet("NO_COLOR"))
        return false;
    const QByteArray term = qgetenv("TERM");
    return ::isatty(::fileno(stream)) && term != "dumb";
}

} // namespace farmchat
