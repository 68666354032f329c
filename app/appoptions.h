#pragma once

#include "protocol/backplanemode.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace farmchat {

struct AppOptionsParse;
struct AppSettings;

// The farmchat command line: what the user asked for on this run. Each
// setting is optional so that only flags actually given override what the
// app remembered (AppSettings). parse() never prints or exits; main() does.
struct AppOptions
{
    std::optional<int> nodes;
    std::optional<quint16> basePort;
    std::optional<BackplaneMode> backplane;
    bool autostart = false; // launch the farm as soon as the window shows

    static AppOptionsParse parse(const QStringList &arguments);
    static QString helpText();
    static QString versionText(); // "farmchat 0.1.0\n"
    // Flags given on the command line win over remembered values.
    void applyTo(AppSettings &settings) const;
};

// Run with `options`, or exit with `exitCode` after printing `output`
// (stdout: --help, --version) or `error` (stderr, one line).
struct AppOptionsParse
{
    std::optional<AppOptions> options;
    int exitCode = 0;
    QString output;
    QString error;
};

} // namespace farmchat
