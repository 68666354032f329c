#pragma once

#include "core/commandline.h"
#include "launcher/farmconfig.h"

#include <QList>
#include <QStringList>

#include <memory>

namespace farmchat {

struct Scenario;

// The farmchat-launcher command line (docs/LAUNCHER.md), parsed: the farm to
// start plus what the CLI does with it (a demo, JSON events). parse() never
// prints or exits; main() does, through CommandLine::finish().
struct LauncherOptions
{
    static constexpr QLatin1StringView kProgram {"farmchat-launcher"};

    FarmConfig farm;
    bool demo = false;
    // The modes the demo runs through, in order; the farm starts in the first.
    QList<BackplaneMode> demoModes;
    bool json = false;
    // --control stdin: commands on stdin, one JSON object per line (off: stdin is not read).
    bool controlStdin = false;
    // --scenario FILE: the farm and what to do with it come from the file
    // (loaded by parseLauncherCommandLine(), not by parse()).
    std::shared_ptr<const Scenario> scenario;
    QString scenarioFile;
    bool listScenarios = false; // --list-scenarios
    QString reportPath; // --report PATH
    // The log dir is a fresh temp dir the CLI made (removed after a clean run).
    bool temporaryLogDir = false;

    // Reads the command line, without the program's name.
    static Result<CommandLineRequest<LauncherOptions>> parse(const QStringList &arguments);
};

} // namespace farmchat
