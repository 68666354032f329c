#include "protocol/hubprotocol.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <limits>

namespace farmchat::hubprotocol {

namespace {

Result<QJsonObject> parseObject(QByteArrayView record, const char *what)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(record.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError) {
        return Result<QJsonObject>::failure(QStringLiteral("%1 is not valid JSON: %2 at offset %3")
                                                .arg(QLatin1String(what), error.errorString())
                                                .arg(error.offset));
    }
    if (!doc.isObject())
        return Result<QJsonObject>::failure(
            QStringLiteral("%1 is not a JSON object").arg(QLatin1String(what)));
    return doc.object();
}

bool isInteger(const QJsonValue &v)
{
    if (!v.isDouble())
        return false;
    const double d = v.toDouble();
    return std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15;
}

QByteArray record(const QJsonObject &o)
{
    QByteArray bytes = QJsonDocument(o).toJson(QJsonDocument::Compact);
    bytes.append(kRecordSeparator);
    return bytes;
}

} // namespace

Result<HandshakeRequest> parseHandshakeRequest(QByteArrayView bytes)
{
    using R = Result<HandshakeRequest>;
    const auto object = parseObject(bytes, "handshake request");
    if (!object)
        return R::failure(object.error());
    const QJsonValue protocol = object->value(u"protocol");
    const QJsonValue version = object->value(u"version");
    if (!protocol.isString())
        return R::failure(QStringLiteral("handshake request has no 'protocol' string"));
    // Range-checked as a double: a version like 1e14 does not fit an int.
    if (!isInteger(version) || std::fabs(version.toDouble()) > std::numeric_limits<int>::max())
        return R::failure(QStringLiteral("handshake request has no integer 'version'"));
    return HandshakeRequest {protocol.toString(), int(version.toDouble())};
}

Result<HandshakeResponse> parseHandshakeResponse(QByteArrayView bytes)
{
    using R = Result<HandshakeResponse>;
    const auto object = parseObject(bytes, "handshake response");
    if (!object)
        return R::failure(object.error());
    const QJsonValue error = object->value(u"error");
    if (error.isUndefined() || error.isNull())
        return HandshakeResponse {};
    if (!error.isString())
        return R::failure(QStringLiteral("handshake response 'error' is not a string"));
    return HandshakeResponse {
        error.toString().isEmpty() ? QStringLiteral("handshake refused") : error.toString()};
}

QByteArray writeHandshakeRequest(const HandshakeRequest &request)
{
    return record(QJsonObject {{QStringLiteral("protocol"), request.protocol},
        {QStringLiteral("version"), request.version}});
}

QByteArray writeHandshakeResponse(const HandshakeResponse &response)
{
    QJsonObject o;
    if (!response.error.isEmpty())
        o.insert(QStringLiteral("error"), response.error);
    return record(o);
}

Result<HubMessage> parseMessage(QByteArrayView bytes)
{
    using R = Result<HubMessage>;
    const auto parsed = parseObject(bytes, "message");
    if (!parsed)
        return R::failure(parsed.error());
    const QJsonObject &o = parsed.value();

    const QJsonValue type = o.value(u"type");
    if (!isInteger(type))
        return R::failure(QStringLiteral("message has no integer 'type'"));
    // Compared as a double: a type like 1e14 does not fit an int.
    const double typeValue = type.toDouble();
    if (typeValue < int(HubMessageType::Invocation) || typeValue > int(HubMessageType::Sequence))
        return R::failure(QStringLiteral("unknown message type %1").arg(qint64(typeValue)));
    const int typeNumber = int(typeValue);

    HubMessage m;
    m.type = HubMessageType(typeNumber);

    const QJsonValue invocationId = o.value(u"invocationId");
    if (!invocationId.isUndefined() && !invocationId.isNull()) {
        if (!invocationId.isString())
            return R::failure(QStringLiteral("'invocationId' is not a string"));
        m.invocationId = invocationId.toString();
    }

    switch (m.type) {
    case HubMessageType::Invocation:
    case HubMessageType::StreamInvocation: {
        const QJsonValue target = o.value(u"target");
        if (!target.isString() || target.toString().isEmpty())
            return R::failure(QStringLiteral("invocation has no 'target' string"));
        m.target = target.toString();
        const QJsonValue arguments = o.value(u"arguments");
        if (!arguments.isUndefined()) {
            if (!arguments.isArray())
                return R::failure(QStringLiteral("invocation 'arguments' is not an array"));
            m.arguments = arguments.toArray();
        }
        const QJsonValue streamIds = o.value(u"streamIds");
        if (!streamIds.isUndefined() && !streamIds.isNull()) {
            if (!streamIds.isArray())
                return R::failure(QStringLiteral("invocation 'streamIds' is not an array"));
            for (const QJsonValue &id : streamIds.toArray()) {
                if (!id.isString())
                    return R::failure(QStringLiteral("invocation 'streamIds' holds a non-string"));
                m.streamIds.append(id.toString());
            }
        }
        if (m.type == HubMessageType::StreamInvocation && m.invocationId.isEmpty())
            return R::failure(QStringLiteral("stream invocation has no 'invocationId'"));
        break;
    }
    case HubMessageType::StreamItem:
        if (m.invocationId.isEmpty())
            return R::failure(QStringLiteral("stream item has no 'invocationId'"));
        m.item = o.value(u"item");
        break;
    case HubMessageType::Completion: {
        if (m.invocationId.isEmpty())
            return R::failure(QStringLiteral("completion has no 'invocationId'"));
        const QJsonValue error = o.value(u"error");
        const bool hasResult = o.contains(u"result");
        if (!error.isUndefined() && !error.isNull()) {
            if (!error.isString())
                return R::failure(QStringLiteral("completion 'error' is not a string"));
            if (hasResult)
                return R::failure(QStringLiteral("completion has both 'result' and 'error'"));
            m.error = error.toString();
            m.hasError = true;
        } else if (hasResult) {
            m.result = o.value(u"result");
            m.hasResult = true;
        }
        break;
    }
    case HubMessageType::CancelInvocation:
        if (m.invocationId.isEmpty())
            return R::failure(QStringLiteral("cancel invocation has no 'invocationId'"));
        break;
    case HubMessageType::Ping:
        break;
    case HubMessageType::Close: {
        const QJsonValue error = o.value(u"error");
        if (!error.isUndefined() && !error.isNull()) {
            if (!error.isString())
                return R::failure(QStringLiteral("close 'error' is not a string"));
            m.error = error.toString();
            m.hasError = true;
        }
        const QJsonValue allow = o.value(u"allowReconnect");
        if (!allow.isUndefined() && !allow.isNull()) {
            if (!allow.isBool())
                return R::failure(QStringLiteral("close 'allowReconnect' is not a boolean"));
            m.allowReconnect = allow.toBool();
        }
        break;
    }
    case HubMessageType::Ack:
    case HubMessageType::Sequence:
        // Stateful reconnect; this node never offers it, so a caller rejects these.
        break;
    }
    return m;
}

QByteArray writeMessage(const HubMessage &m)
{
    QJsonObject o {{QStringLiteral("type"), int(m.type)}};
    if (!m.invocationId.isEmpty())
        o.insert(QStringLiteral("invocationId"), m.invocationId);
    switch (m.type) {
    case HubMessageType::Invocation:
    case HubMessageType::StreamInvocation:
        o.insert(QStringLiteral("target"), m.target);
        o.insert(QStringLiteral("arguments"), m.arguments);
        if (!m.streamIds.isEmpty())
            o.insert(QStringLiteral("streamIds"), QJsonArray::fromStringList(m.streamIds));
        break;
    case HubMessageType::StreamItem:
        o.insert(QStringLiteral("item"), m.item);
        break;
    case HubMessageType::Completion:
        if (m.hasError)
            o.insert(QStringLiteral("error"), m.error);
        else if (m.hasResult)
            o.insert(QStringLiteral("result"), m.result);
        break;
    case HubMessageType::Close:
        if (m.hasError)
            o.insert(QStringLiteral("error"), m.error);
        if (m.allowReconnect)
            o.insert(QStringLiteral("allowReconnect"), true);
        break;
    case HubMessageType::CancelInvocation:
    case HubMessageType::Ping:
    case HubMessageType::Ack:
    case HubMessageType::Sequence:
        break;
    }
    return record(o);
}

} // namespace farmchat::hubprotocol
