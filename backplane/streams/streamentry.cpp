#include "backplane/streams/streamentry.h"

#include "backplane/streams/streamid_p.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace farmchat {

namespace {

constexpr qsizetype kMaxMessageJsonBytes = 64 * 1024;
constexpr qsizetype kMaxUidChars = 128;

} // namespace

QByteArray StreamEntry::idOf(const RedisValue &entry)
{
    if (!entry.isArray() || entry.elements().isEmpty() || !entry.elements().first().isString())
        return {};
    const QByteArray id = entry.elements().first().bytes();
    return StreamId::parse(QByteArrayView(id)) ? id : QByteArray();
}

Result<StreamEntry> StreamEntry::parse(const RedisValue &entry, const QString &room)
{
    using R = Result<StreamEntry>;
    const auto parts = entry.expectArray("stream entry", 2);
    if (!parts)
        return R::failure(parts.error());
    StreamEntry out;
    out.streamId = idOf(entry);
    if (out.streamId.isEmpty())
        return R::failure(QStringLiteral("stream entry: the id is not <ms>-<seq>"));
    const auto fields = parts->at(1).expectArray("stream entry fields");
    if (!fields)
        return R::failure(fields.error());
    if (fields->size() % 2 != 0)
        return R::failure(QStringLiteral("stream entry fields: an odd number of elements"));
    QByteArray json, uid, knownId;
    for (qsizetype i = 0; i + 1 < fields->size(); i += 2) {
        if (!fields->at(i).isString() || !fields->at(i + 1).isString())
            return R::failure(
                QStringLiteral("stream entry fields: names and values must be strings"));
        const QByteArray &name = fields->at(i).bytes();
        if (name == "message")
            json = fields->at(i + 1).bytes();
        else if (name == "uid")
            uid = fields->at(i + 1).bytes();
        else if (name == "id")
            knownId = fields->at(i + 1).bytes();
    }
    if (json.isEmpty() || json.size() > kMaxMessageJsonBytes)
        return R::failure(
            QStringLiteral("stream entry: the message field is missing or too large"));
    if (uid.isEmpty() || uid.size() > kMaxUidChars)
        return R::failure(QStringLiteral("stream entry: the uid field is missing or too long"));
    if (!knownId.isEmpty() && !StreamId::parse(QByteArrayView(knownId)))
        return R::failure(QStringLiteral("stream entry: the id field is not <ms>-<seq>"));
    QJsonParseError jsonError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &jsonError);
    if (jsonError.error != QJsonParseError::NoError || !document.isObject())
        return R::failure(QStringLiteral("stream entry: the message is not a JSON object"));
    auto message = ChatMessage::fromJson(document.object());
    if (!message)
        return R::failure(QStringLiteral("stream entry: ") + message.error());
    out.message = std::move(message).value();
    if (out.message.room != room)
        return R::failure(QStringLiteral("stream entry: the message belongs to another room"));
    for (const Result<void> &valid :
        {checkUserName(out.message.from), checkMessageText(out.message.text)}) {
        if (!valid)
            return R::failure(QStringLiteral("stream entry: ") + valid.error());
    }
    if (out.message.node.isEmpty() || out.message.node.size() > kMaxUidChars)
        return R::failure(QStringLiteral("stream entry: the message has no node"));
    out.uid = QString::fromUtf8(uid);
    out.message.id = QString::fromLatin1(knownId.isEmpty() ? out.streamId : knownId);
    out.message.via = Via::Streams;
    return out;
}

QList<QByteArray> StreamEntry::fields(
    const ChatMessage &message, const QString &uid, const QByteArray &knownId)
{
    ChatMessage stored = message;
    stored.id = uid; // replaced by the stream id (or knownId) when read back
    stored.via = Via::Streams;
    QList<QByteArray> out {"message", QJsonDocument(stored.toJson()).toJson(QJsonDocument::Compact),
        "uid", uid.toUtf8()};
    if (!knownId.isEmpty())
        out << "id" << knownId;
    return out;
}

Result<QList<StreamBatch>> parseXReadReply(const RedisValue &reply)
{
    using R = Result<QList<StreamBatch>>;
    if (reply.isNil())
        return QList<StreamBatch> {};
    const auto streams = reply.expectArray("XREAD reply");
    if (!streams)
        return R::failure(streams.error());
    QList<StreamBatch> out;
    for (const RedisValue &stream : streams.value()) {
        const auto pair = stream.expectArray("XREAD stream", 2);
        if (!pair)
            return R::failure(pair.error());
        const auto key = pair->at(0).expectString("XREAD stream key");
        if (!key)
            return R::failure(key.error());
        const auto entries = pair->at(1).expectArray("XREAD entries");
        if (!entries)
            return R::failure(entries.error());
        out.append(StreamBatch {key.value(), entries.value()});
    }
    return out;
}

} // namespace farmchat
