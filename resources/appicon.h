#pragma once

#include <QIcon>
#include <QString>

namespace farmchat {

// The application's identity on the desktop, shared by the app's window icon,
// its About box and the installed desktop file: one place for the icon set and
// the reverse-DNS app id (the desktop file is <appId>.desktop).

// The FarmChat icon in every size shipped under :/icons/ (16 to 512 px).
QIcon appIcon();

// "io.farmchat.FarmChat": pass to QGuiApplication::setDesktopFileName() so
// Wayland and X11 task bars match the window to the installed desktop file.
QString appId();

} // namespace farmchat
