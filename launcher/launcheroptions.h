#pragma once

#include "launcher/farmconfig.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace farmchat {

struct LauncherOptionsParse;

// The farmchat-launcher command line (DESIGN.md "Launcher"), parsed: the farm
// to start plus what the CLI does with it (a demo, JSON events). parse()
// never prints or exits; main() does, with the exit code it says (2 for a
// usage error).
struct LauncherOptions
{
    FarmConfig farm;
    bool demo = false;
    // The modes the demo runs through, in order; the farm starts in the first.
    QList<BackplaneMode> demoModes;
    bool json = false;
    // The log dir is a fresh temp dir the CLI made (removed after a clean run).
    bool temporaryLogDir = false;

    static LauncherOptionsParse parse(const QStringList &arguments);
    static QString helpText();
};

// Run with `options`, or exit with `exitCode` after printing `output`
// (stdout: --help, --version) or `error` (stderr, one line).
struct LauncherOptionsParse
{
    std::optional<LauncherOptions> options;
    int exitCode = 0;
    QString output;
    QString error;
    QStringList warnings; // print to stderr, then run
};

} // namespace farmchat
