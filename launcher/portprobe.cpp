#include "launcher/portprobe.h"

#include "platform/portowner.h"

#include <QRandomGenerator>
#include <QTcpServer>

#include <memory>
#include <vector>

namespace farmchat {

Result<void> PortProbe::check(quint16 port)
{
    using Outcome = Result<void>;
    if (port == 0)
        return Outcome::failure(
            QStringLiteral("port 0 is not a port a farm process can be reached on"));
    QTcpServer server;
    if (server.listen(QHostAddress::LocalHost, port))
        return {};
    if (server.serverError() == QAbstractSocket::AddressInUseError) {
        const QString owner = describePortOwner(port);
        return Outcome::failure(owner.isEmpty()
                ? QStringLiteral("port %1 is in use").arg(port)
                : QStringLiteral("port %1 is in use by %2").arg(port).arg(owner));
    }
    return Outcome::failure(
        QStringLiteral("port %1 cannot be used: %2").arg(port).arg(server.errorString()));
}

QStringList PortProbe::check(const QList<quint16> &ports)
{
    QStringList problems;
    for (const quint16 port : ports) {
        if (const Result<void> free = check(port); !free)
            problems << free.error();
    }
    return problems;
}

QList<quint16> PortProbe::pickFree(int count, const QList<quint16> &avoid)
{
    std::vector<std::unique_ptr<QTcpServer>> held;
    QList<quint16> ports;
    const auto take = [&](quint16 wanted) {
        auto server = std::make_unique<QTcpServer>();
        if (!server->listen(QHostAddress::LocalHost, wanted))
            return false;
        const quint16 port = server->serverPort();
        held.push_back(std::move(server));
        if (!avoid.contains(port) && !ports.contains(port))
            ports << port;
        return true;
    };
    // A port picked now may be bound only seconds later (HAProxy's, once every
    // node is healthy), and an outgoing connection can be handed an ephemeral
    // port meanwhile. So first from below every common OS's ephemeral range
    // (Linux 32768-60999; macOS, Windows 49152-65535), from a random start so
    // farms starting together rarely probe the same ports.
    constexpr int kLow = 20000;
    constexpr int kSpan = 32768 - kLow;
    const int start = int(QRandomGenerator::global()->bounded(kSpan));
    for (int step = 0; ports.size() < count && step < count + 256; ++step)
        take(quint16(kLow + (start + step) % kSpan));
    // Bounded: the OS hands out distinct ephemeral ports; a few may be in `avoid`.
    for (int attempt = 0; ports.size() < count && attempt < count + 64; ++attempt) {
        if (!take(0))
            break;
    }
    return ports;
}

} // namespace farmchat
