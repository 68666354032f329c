#pragma once

#include "core/commandline.h"
#include "launcher/lbpolicy.h"

#include <functional>

namespace farmchat {

// The options that size a farm, defined once for farmchat-launcher and
// farmchat so that --nodes and --base-port read, check and complain alike in
// both; each program gives only its own limits and defaults (the app shows at
// most 8 panes and no port below 1024). --backplane is shared with the node
// as well (protocol/backplaneoption.h).
struct FarmFlags
{
    static CommandLineOption nodes(int maxNodes, int defaultNodes, std::function<void(int)> store);
    // 0, from "0" or "auto", stands for free ports picked when the farm starts.
    static CommandLineOption basePort(
        quint16 minPort, quint16 defaultPort, std::function<void(quint16)> store);
    // --lb none|round-robin|sticky|source and --lb-port PORT|auto (0).
    static CommandLineOption loadBalancer(std::function<void(LbPolicy)> store);
    static CommandLineOption lbPort(quint16 minPort, std::function<void(quint16)> store);
};

} // namespace farmchat
