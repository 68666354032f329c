#pragma once

#include <QJsonArray>
#include <QJsonValue>
#include <QString>
#include <QStringList>

namespace farmchat {

// Message types of the SignalR hub protocol (HubProtocol.md, "Overview").
enum class HubMessageType {
    Invocation = 1,
    StreamItem = 2,
    Completion = 3,
    StreamInvocation = 4,
    CancelInvocation = 5,
    Ping = 6,
    Close = 7,
    Ack = 8,
    Sequence = 9,
};

// One SignalR hub message, as parsed from or serialized to a JSON record.
// Fields that a type does not use stay empty.
struct HubMessage
{
    HubMessageType type = HubMessageType::Ping;
    QString invocationId; // empty: none (a non-blocking invocation)
    QString target; // Invocation, StreamInvocation
    QJsonArray arguments; // Invocation, StreamInvocation
    QStringList streamIds; // Invocation, StreamInvocation
    QJsonValue result; // Completion with hasResult
    bool hasResult = false;
    QString error; // Completion with hasError, Close
    bool hasError = false;
    bool allowReconnect = false; // Close
    QJsonValue item; // StreamItem

    static HubMessage invocation(QString target, QJsonArray arguments, QString invocationId = {})
    {
        HubMessage m;
        m.type = HubMessageType::Invocation;
        m.target = std::move(target);
        m.arguments = std::move(arguments);
        m.invocationId = std::move(invocationId);
        return m;
    }
    // A Completion with no result and no error: a void method returned.
    static HubMessage completion(QString invocationId)
    {
        HubMessage m;
        m.type = HubMessageType::Completion;
        m.invocationId = std::move(invocationId);
        return m;
    }
    static HubMessage completionResult(QString invocationId, QJsonValue result)
    {
        HubMessage m = completion(std::move(invocationId));
        m.result = std::move(result);
        m.hasResult = true;
        return m;
    }
    static HubMessage completionError(QString invocationId, QString error)
    {
        HubMessage m = completion(std::move(invocationId));
        m.error = std::move(error);
        m.hasError = true;
        return m;
    }
    static HubMessage ping() { return HubMessage {}; }
    static HubMessage close(QString error = {}, bool allowReconnect = false)
    {
        HubMessage m;
        m.type = HubMessageType::Close;
        m.hasError = !error.isEmpty();
        m.error = std::move(error);
        m.allowReconnect = allowReconnect;
        return m;
    }
};

} // namespace farmchat
