#pragma once

#include "core/commandline.h"
#include "launcher/lbpolicy.h"
#include "launcher/nodekind.h"
#include "launcher/redisconfig.h"
#include "protocol/backplanemode.h"

#include <QStringList>

#include <optional>

namespace farmchat {

struct AppSettings;

// The farmchat command line: what the user asked for on this run. Each
// setting is optional so that only flags actually given override what the
// app remembered (AppSettings). parse() never prints or exits; main() does,
// through CommandLine::finish().
struct AppOptions
{
    static constexpr QLatin1StringView kProgram {"farmchat"};

    std::optional<int> nodes;
    std::optional<quint16> basePort; // 0: --base-port auto
    std::optional<NodeKind> nodeKind;
    std::optional<BackplaneMode> backplane;
    std::optional<qint64> redisMaxMemoryBytes;
    std::optional<LbPolicy> loadBalancer;
    std::optional<RedisTopology> redisTopology;
    std::optional<bool> skipNegotiation; // set only by --skip-negotiation
    bool autostart = false; // launch the farm as soon as the window shows
    QString scenario; // --scenario: play it (a bundled name or a file) once the window shows

    // Reads the command line, without the program's name.
    static Result<CommandLineRequest<AppOptions>> parse(const QStringList &arguments);
    // Flags given on the command line win over remembered values. The port
    // box shows real ports, so --base-port auto becomes the first of a run
    // of ports free right now (the remembered base port if none is found).
    void applyTo(AppSettings &settings) const;
};

} // namespace farmchat
