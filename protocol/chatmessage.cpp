#include "protocol/chatmessage.h"

#include "protocol/hubcontract.h"
#include "protocol/limits.h"

#include <QJsonValue>

#include <cmath>

namespace farmchat {

QString viaName(Via via)
{
    switch (via) {
    case Via::Local:
        return QStringLiteral("local");
    case Via::PubSub:
        return QStringLiteral("pubsub");
    case Via::Streams:
        return QStringLiteral("streams");
    }
    return QStringLiteral("local");
}

Result<Via> parseVia(QStringView text)
{
    if (text == u"local")
        return Via::Local;
    if (text == u"pubsub")
        return Via::PubSub;
    if (text == u"streams")
        return Via::Streams;
    return Result<Via>::failure(QStringLiteral("unknown 'via' value"));
}

namespace field = hubcontract::field;

QJsonObject ChatMessage::toJson() const
{
    QJsonObject json;
    json.insert(field::kId, id);
    json.insert(field::kRoom, room);
    json.insert(field::kFrom, from);
    json.insert(field::kText, text);
    json.insert(field::kNode, node);
    json.insert(field::kSentAt, double(sentAt));
    json.insert(field::kVia, viaName(via));
    return json;
}

Result<ChatMessage> ChatMessage::fromJson(const QJsonValue &json)
{
    using R = Result<ChatMessage>;
    if (!json.isObject())
        return R::failure(QStringLiteral("message is not a JSON object"));
    const QJsonObject o = json.toObject();
    ChatMessage m;
    const struct
    {
        QLatin1String key;
        QString *field;
    } strings[] = {{field::kId, &m.id}, {field::kRoom, &m.room}, {field::kFrom, &m.from},
        {field::kText, &m.text}, {field::kNode, &m.node}};
    for (const auto &s : strings) {
        const QJsonValue v = o.value(s.key);
        if (!v.isString())
            return R::failure(
                QStringLiteral("message field '%1' is missing or not a string").arg(s.key));
        *s.field = v.toString();
    }
    // Milliseconds as a JSON number: a whole number that a double holds exactly
    // (|n| <= 2^53), so it converts to qint64 without overflow.
    const QJsonValue sentAt = o.value(field::kSentAt);
    const double sentAtValue = sentAt.toDouble(0.5);
    if (!sentAt.isDouble() || sentAtValue != std::floor(sentAtValue)
        || std::fabs(sentAtValue) > 9007199254740992.0)
        return R::failure(
            QStringLiteral("message field '%1' is missing or not a whole number of ms")
                .arg(field::kSentAt));
    m.sentAt = qint64(sentAtValue);
    const auto via = parseVia(o.value(field::kVia).toString());
    if (!via)
        return R::failure(
            QStringLiteral("message field '%1' must be local, pubsub or streams").arg(field::kVia));
    m.via = via.value();
    return m;
}

namespace {

bool hasControlCharacter(QStringView s)
{
    for (QChar c : s) {
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            return true;
    }
    return false;
}

Result<void> checkLabel(QStringView value, const char *what, int maxChars)
{
    using R = Result<void>;
    if (value.isEmpty())
        return R::failure(QStringLiteral("%1 must not be empty").arg(QLatin1String(what)));
    if (value.size() > maxChars)
        return R::failure(QStringLiteral("%1 is longer than %2 characters")
                              .arg(QLatin1String(what))
                              .arg(maxChars));
    if (value.trimmed().size() != value.size())
        return R::failure(
            QStringLiteral("%1 must not start or end with spaces").arg(QLatin1String(what)));
    if (hasControlCharacter(value))
        return R::failure(
            QStringLiteral("%1 must not contain control characters").arg(QLatin1String(what)));
    return {};
}

} // namespace

Result<void> checkRoomName(QStringView room)
{
    return checkLabel(room, "room name", limits::kMaxRoomChars);
}

Result<void> checkUserName(QStringView name)
{
    return checkLabel(name, "name", limits::kMaxNameChars);
}

Result<void> checkMessageText(QStringView text)
{
    if (text.trimmed().isEmpty())
        return Result<void>::failure(QStringLiteral("message text must not be empty"));
    if (text.size() > limits::kMaxTextChars)
        return Result<void>::failure(
            QStringLiteral("message text is longer than %1 characters").arg(limits::kMaxTextChars));
    return {};
}

} // namespace farmchat
