#pragma once

#include "core/result.h"

#include <QList>
#include <QStringList>

namespace farmchat {

// Checks ports before anything starts, so a taken port is reported by number
// and owner up front instead of as a node dying half-way through the start;
// picks free ports for --base-port auto. Probes bind 127.0.0.1, the address
// every farm process listens on, and close again at once.
class PortProbe
{
public:
    // Ok when 127.0.0.1:port can be bound now; otherwise a sentence naming
    // the port and, where the OS tells, the process holding it:
    // "port 9090 is in use by pid 4242 (python3)".
    static Result<void> check(quint16 port);
    // One sentence per port that cannot be bound (empty: all free).
    static QStringList check(const QList<quint16> &ports);
    // `count` distinct ports free right now, none of them in `avoid`, from
    // below the OS's ephemeral range where it can; fewer only if the OS runs
    // out. All are held open together while picking.
    static QList<quint16> pickFree(int count, const QList<quint16> &avoid = {});
};

} // namespace farmchat
