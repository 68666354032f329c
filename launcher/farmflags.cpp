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

} // namespace farmchat
