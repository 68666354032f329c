#pragma once

#include <QString>

#include <cstdio>

namespace farmchat {

// Whether a standard stream is an interactive terminal that understands ANSI
// colours (and NO_COLOR is not set).
bool supportsColour(std::FILE *stream);

// `text` in the given 256-colour palette index, or unchanged without colour.
QString colourise(const QString &text, int paletteIndex, bool enabled);

} // namespace farmchat
