#include "protocol/chatmessage.h"

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

ParseResult<Via> parseVia(QStringView text)
{
    if (text == u"local")
        return Via::Local;
    if (text == u"pubsub")
        return Via::PubSub;
    if (text == u"streams")
        return Via::Streams;
    return ParseResult<Via>::failure(QStringLiteral("unknown 'via' value"));
}

QJsonObject ChatMessage::toJson() const
{
    return QJsonObject {
        {QStringLiteral("id"), id},
        {QStringLiteral("room"), room},
        {QStringLiteral("from"), from},
        {QStringLiteral("text"), text},
        {QStringLiteral("node"), node},
        {QStringLiteral("sentAt"), double(sentAt)},
        {QStringLiteral("via"), viaName(via)},
    };
}

ParseResult<ChatMessage> ChatMessage::fromJson(const QJsonValue &json)
{
    using R = ParseResult<ChatMessage>;
    if (!json.isObject())
        return R::failure(QStringLiteral("message is not a JSON object"));
    const QJsonObject o = json.toObject();
    ChatMessage m;
    const struct
    {
        const char16_t *key;
        QString *field;
    } strings[] = {{u"id", &m.id}, {u"room", &m.room}, {u"from", &m.from}, {u"text", &m.text},
                   {u"node", &m.node}};
    for (const auto &s : strings) {
        const QJsonValue v = o.value(QStringView(s.key));
        if (!v.isString())
            return R::failure(QStringLiteral("message field '%1' is missing or not a string")
                                      .arg(QStringView(s.key)));
        *s.field = v.toString();
    }
    // Milliseconds as a JSON number: a whole number that a double holds exactly
    // (|n| <= 2^53), so it converts to qint64 without overflow.
    const QJsonValue sentAt = o.value(u"sentAt");
    const double sentAtValue = sentAt.toDouble(0.5);
    if (!sentAt.isDouble() || sentAtValue != std::floor(sentAtValue)
        || std::fabs(sentAtValue) > 9007199254740992.0)
        return R::failure(
            QStringLiteral("message field 'sentAt' is missing or not a whole number of ms"));
    m.sentAt = qint64(sentAtValue);
    const auto via = parseVia(o.value(u"via").toString());
    if (!via)
        return R::failure(QStringLiteral("message field 'via' must be local, pubsub or streams"));
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

QString checkLabel(QStringView value, const char *what, int maxChars)
{
    if (value.isEmpty())
        return QStringLiteral("%1 must not be empty").arg(QLatin1String(what));
    if (value.size() > maxChars)
        return QStringLiteral("%1 is longer than %2 characters").arg(QLatin1String(what)).arg(maxChars);
    if (value.trimmed().size() != value.size())
        return QStringLiteral("%1 must not start or end with spaces").arg(QLatin1String(what));
    if (hasControlCharacter(value))
        return QStringLiteral("%1 must not contain control characters").arg(QLatin1String(what));
    return {};
}

} // namespace

QString checkRoomName(QStringView room)
{
    return checkLabel(room, "room name", limits::kMaxRoomChars);
}

QString checkUserName(QStringView name)
{
    return checkLabel(name, "name", limits::kMaxNameChars);
}

QString checkMessageText(QStringView text)
{
    if (text.trimmed().isEmpty())
        return QStringLiteral("message text must not be empty");
    if (text.size() > limits::kMaxTextChars)
        return QStringLiteral("message text is longer than %1 characters").arg(limits::kMaxTextChars);
    return {};
}

} // namespace farmchat
