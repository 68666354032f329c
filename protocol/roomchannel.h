#pragma once

#include <QByteArray>
#include <QString>

namespace farmchat {

// The Redis channel a node's pub/sub backplane uses for a room,
// "{prefix}:room:{room}". Shared by the node (its default prefix and its
// channels) and by the tools that must know where a room lives, such as the
// launcher placing a room on its Redis Cluster shard.
inline const QString kDefaultChannelPrefix = QStringLiteral("farmchat");

inline QByteArray roomChannel(const QString &prefix, const QString &room)
{
    return (prefix + QStringLiteral(":room:") + room).toUtf8();
}

} // namespace farmchat
