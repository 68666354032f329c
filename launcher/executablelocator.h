#pragma once

#include "core/result.h"
#include "launcher/nodekind.h"

#include <QString>
#include <QStringList>

namespace farmchat {

// Finds the programs a farm runs, with errors a user can act on. Never a
// hard-coded build path: installed layouts and the build tree are both found
// relative to the running executable.
class ExecutableLocator
{
public:
    // FARMCHAT_NODE_BIN overrides; else next to this executable, then
    // ../libexec/farmchat, then ../server (the build tree), then PATH.
    static Result<QString> nodeBinary();
    // The node program of `kind`: nodeBinary() for farmchat-node; for the
    // ASP.NET Core node FARMCHAT_ASPNETCORE_NODE_BIN, then next to this
    // executable, ../libexec/farmchat, ../peers/aspnetcore (the build tree),
    // then PATH; the error says that it needs the .NET SDK and how to build it.
    static Result<QString> nodeBinary(NodeKind kind);
    // `explicitPath` (--redis-server) first, then FARMCHAT_REDIS_SERVER, then
    // PATH. An explicit path that is wrong is an error, not a reason to guess.
    // The error is one line ending with how to install Redis on this OS.
    static Result<QString> redisServer(const QString &explicitPath);

    // The load balancer: `explicitPath` (--haproxy), then FARMCHAT_HAPROXY,
    // then PATH, then /usr/sbin (Debian installs it there, often off a user's
    // PATH). The error is one line ending with how to install it.
    static Result<QString> haproxy(const QString &explicitPath);
    static QString haproxyInstallHint();

    // "sudo apt-get install redis-server" etc. for the running OS.
    static QString redisInstallHint();
    // The hint for a Linux distribution as /etc/os-release names it (ID, ID_LIKE).
    static QString redisInstallHintForLinux(const QString &id, const QStringList &idLike);

    // Where nodeBinary() looks, in order (without the environment override and PATH).
    static QStringList nodeBinaryCandidates(
        const QString &applicationDir, NodeKind kind = NodeKind::FarmChat);
};

} // namespace farmchat
