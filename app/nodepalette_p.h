#pragma once

#include "client/deliverytracker.h"

#include <QColor>
#include <QPalette>
#include <QString>

namespace farmchat {

// Colours and symbols the views share, chosen to stay apart for colour-blind
// eyes (the Okabe–Ito set) and always paired with a symbol or text, never
// colour alone. Light or dark follows the widget palette (Qt 6.4 has no
// colour-scheme API, so dark means a dark window background).
namespace nodepalette {

bool isDark(const QPalette &palette);
// The badge colour of node `index` (cycles past 8).
QColor nodeColour(int index, bool dark);
// Black or white, whichever reads better on `background`.
QColor textOn(const QColor &background);

// Connection / process state lights.
QColor good(bool dark);
QColor warn(bool dark);
// Failure: a broken link, a crashed process, a flagged field.
QColor bad(bool dark);
// The word for bad()'s colour in sentences (the help), taken from where
// the colour is defined so the two cannot disagree: "orange".
QString badName();

// The delivery matrix: a symbol, a colour and a sentence per cell state.
QString symbol(DeliveryState state);
QColor colour(DeliveryState state, bool dark);
QString describe(DeliveryState state);

} // namespace nodepalette
} // namespace farmchat
