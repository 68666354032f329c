#include "launcher/nodekind.h"

#include <array>

namespace farmchat {

namespace {

constexpr std::array kKinds {NodeKind::FarmChat, NodeKind::AspNetCore};

} // namespace

QString nodeKindName(NodeKind kind)
{
    return kind == NodeKind::AspNetCore ? QStringLiteral("aspnetcore") : QStringLiteral("farmchat");
}

QStringList nodeKindNames()
{
    QStringList names;
    for (const NodeKind kind : kKinds)
        names << nodeKindName(kind);
    return names;
}

Result<NodeKind> parseNodeKind(const QString &text)
{
    for (const NodeKind kind : kKinds) {
        if (text.compare(nodeKindName(kind), Qt::CaseInsensitive) == 0)
            return kind;
    }
    return Result<NodeKind>::failure(QStringLiteral("must be one of %1, not '%2'")
                                         .arg(nodeKindNames().join(QStringLiteral(", ")), text));
}

QString nodeKindProgram(NodeKind kind)
{
    return kind == NodeKind::AspNetCore ? QStringLiteral("farmchat-aspnetcore-node")
                                        : QStringLiteral("farmchat-node");
}

Result<void> nodeKindSupports(NodeKind kind, BackplaneMode mode)
{
    if (kind == NodeKind::AspNetCore && mode == BackplaneMode::Streams)
        return Result<void>::failure(QStringLiteral(
            "ASP.NET Core nodes have no streams backplane (AddStackExchangeRedis is pub/sub): "
            "use off or pubsub"));
    return {};
}

bool nodeKindSwitchesByRestart(NodeKind kind)
{
    return kind == NodeKind::AspNetCore;
}

} // namespace farmchat
