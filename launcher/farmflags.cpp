#include "launcher/farmflags.h"

namespace farmchat {

CommandLineOption FarmFlags::nodes(int maxNodes, int defaultNodes, std::function<void(int)> store)
{
    CommandLineOption option = CommandLineOption::integer(QStringLiteral("nodes"),
        QStringLiteral("N"), QStringLiteral("number of nodes, 1 to %1").arg(maxNodes),
        {1, maxNodes}, [store = std::move(store)](qint64 value) { store(int(value)); });
    return option.withDefault(QString::number(defaultNodes));
}

CommandLineOption FarmFlags::basePort(
    quint16 minPort, quint16 defaultPort, std::function<void(quint16)> store)
{
    CommandLineOption option
        = CommandLineOption::integer(QStringLiteral("base-port"), QStringLiteral("P|auto"),
            QStringLiteral("nodes listen on P, P+1, ...; 0 or auto picks free ports"),
            {minPort, 65535, true},
            [store = std::move(store)](qint64 value) { store(quint16(value)); });
    return option.withDefault(QString::number(defaultPort));
}

CommandLineOption FarmFlags::loadBalancer(std::function<void(LbPolicy)> store)
{
    CommandLineOption option
        = CommandLineOption::parsed<LbPolicy>(QStringLiteral("lb"), QStringLiteral("POLICY"),
            QStringLiteral("put HAProxy in front of the nodes: none, round-robin, sticky (a cookie "
                           "pins each client to its node) or source (by client address)"),
            parseLbPolicy, std::move(store));
    return option.withDefault(lbPolicyName(LbPolicy::None));
}

CommandLineOption FarmFlags::lbPort(quint16 minPort, std::function<void(quint16)> store)
{
    CommandLineOption option
        = CommandLineOption::integer(QStringLiteral("lb-port"), QStringLiteral("P|auto"),
            QStringLiteral("the load balancer listens on 127.0.0.1:P; 0 or auto picks a free port"),
            {minPort, 65535, true},
            [store = std::move(store)](qint64 value) { store(quint16(value)); });
    return option.withDefault(QStringLiteral("auto"));
}

} // namespace farmchat
