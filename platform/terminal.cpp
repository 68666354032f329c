#include "platform/terminal.h"

namespace farmchat {

QString colourise(const QString &text, int paletteIndex, bool enabled)
{
    if (!enabled)
        return text;
    return QStringLiteral("\x1b[38;5;%1m").arg(paletteIndex) + text + QStringLiteral("\x1b[0m");
}

} // namespace farmchat
