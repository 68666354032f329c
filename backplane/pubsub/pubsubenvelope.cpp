#include "backplane/pubsub/pubsubenvelope.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace farmchat {

namespace {

constexpr qint64 kMaxSeq = (qint64(1) << 53); // exact in a JSON number
constexpr int kMaxIdChars = 128;

} // namespace

QByteArray PubSubEnvelope::encode() const
{
    QJsonObject message = this->message.toJson();
    return QJsonDocument(QJsonObject {
                             {QStringLiteral("v"), kVersion},
                             {QStringLiteral("origin"), origin},
                             {QStringLiteral("boot"), boot},
                             {QStringLiteral("seq"), double(seq)},
                             {QStringLiteral("message"), message},
                         })
        .toJson(QJsonDocument::Compact);
}

Result<PubSubEnvelope> PubSubEnvelope::decode(const QByteArray &payload, const QString &room)
{
    using R = Result<PubSubEnvelope>;
    if (payload.size() > kMaxBytes)
        return R::failure(QStringLiteral("envelope larger than %1 bytes").arg(kMaxBytes));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(payload, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return R::failure(QStringLiteral("envelope is not a JSON object"));
    const QJsonObject o = document.object();
    if (o.value(u"v").toInt(-1) != kVersion)
        return R::failure(QStringLiteral("envelope version is not %1").arg(kVersion));
    PubSubEnvelope e;
    e.origin = o.value(u"origin").toString();
    e.boot = o.value(u"boot").toString();
    if (e.origin.isEmpty() || e.origin.size() > kMaxIdChars || e.boot.isEmpty()
        || e.boot.size() > kMaxIdChars)
        return R::failure(QStringLiteral("envelope origin or boot is missing or too long"));
    const QJsonValue seq = o.value(u"seq");
    const double seqValue = seq.toDouble(-1);
    if (!seq.isDouble() || seqValue < 1 || seqValue > double(kMaxSeq)
        || seqValue != double(qint64(seqValue)))
        return R::failure(QStringLiteral("envelope seq is not a positive integer"));
    e.seq = qint64(seqValue);
    auto message = ChatMessage::fromJson(o.value(u"message"));
    if (!message)
        return R::failure(message.error());
    e.message = std::move(message).value();
    if (e.message.room != room)
        return R::failure(QStringLiteral("message room does not match its channel"));
    if (e.message.node != e.origin)
        return R::failure(QStringLiteral("message node does not match the envelope origin"));
    if (e.message.id.isEmpty() || e.message.id.size() > kMaxIdChars)
        return R::failure(QStringLiteral("message id is empty or too long"));
    for (const Result<void> &valid : {checkRoomName(e.message.room), checkUserName(e.message.from),
             checkMessageText(e.message.text)}) {
        if (!valid)
            return R::failure(valid.error());
    }
    return e;
}

} // namespace farmchat
