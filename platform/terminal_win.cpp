#include "platform/terminal.h"

#include <io.h>
#include <windows.h>

namespace farmchat {

bool supportsColour(std::FILE *stream)
{
    if (qEnvironmentVariableIsSet("NO_COLOR") || !_isatty(_fileno(stream)))
        return false;
    const HANDLE handle = GetStdHandle(stream == stderr ? STD_ERROR_HANDLE : STD_OUTPUT_HANDLE);
    DWORD mode = 0;
    if (!GetConsoleMode(handle, &mode))
        return false;
    return SetConsoleMode(handle, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0;
}

} // namespace farmchat
