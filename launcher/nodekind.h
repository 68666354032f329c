#pragma once

#include "core/result.h"
#include "protocol/backplanemode.h"

#include <QString>
#include <QStringList>

namespace farmchat {

// Which server the farm's nodes run: farmchat-node, or the ASP.NET Core
// SignalR node (peers/aspnetcore) with Microsoft's Redis backplane
// (AddStackExchangeRedis). The two speak the same hub contract; the ASP.NET
// Core node has no streams backplane, no Sentinel client and no live switch:
// the farm restarts it with the new mode instead.
enum class NodeKind { FarmChat, AspNetCore };

QString nodeKindName(NodeKind kind); // "farmchat", "aspnetcore"
Result<NodeKind> parseNodeKind(const QString &text);
QStringList nodeKindNames();

// The program's name, as the user sees it and as it is installed.
QString nodeKindProgram(NodeKind kind); // "farmchat-node", "farmchat-aspnetcore-node"
// Ok when nodes of `kind` have the backplane `mode`, else why not.
Result<void> nodeKindSupports(NodeKind kind, BackplaneMode mode);
// True when a backplane switch restarts the node instead of telling it.
bool nodeKindSwitchesByRestart(NodeKind kind);

} // namespace farmchat
