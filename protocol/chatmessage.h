#pragma once

#include "core/result.h"

#include <QJsonObject>
#include <QString>

namespace farmchat {

// How a message reached the node that delivered it.
enum class Via { Local, PubSub, Streams };

QString viaName(Via via);
Result<Via> parseVia(QStringView text);

// One chat message as clients see it (`messageReceived`, `History`, HTTP history).
// `node` is the node the sender was connected to; `sentAt` is milliseconds since
// the Unix epoch on that node.
struct ChatMessage
{
    QString id;
    QString room;
    QString from;
    QString text;
    QString node;
    qint64 sentAt = 0;
    Via via = Via::Local;

    QJsonObject toJson() const;
    static Result<ChatMessage> fromJson(const QJsonValue &json);

    friend bool operator==(const ChatMessage &, const ChatMessage &) = default;
};

// Validation shared by the node (reject bad hub arguments) and clients (check
// before sending). Each fails with a sentence naming the problem.
Result<void> checkRoomName(QStringView room);
Result<void> checkUserName(QStringView name);
Result<void> checkMessageText(QStringView text);

} // namespace farmchat
