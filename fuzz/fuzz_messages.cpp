// libFuzzer target: the chat message parsers that read what other nodes wrote
// into Redis: ChatMessage::fromJson, the pubsub envelope (backplane/pubsub/pubsubenvelope)
// and the name/room/text checks every one of them applies. What decode accepts
// must pass the checks and survive encode() and a second decode.
#include "backplane/pubsub/pubsubenvelope.h"
#include "fuzz/fuzzinput.h"
#include "protocol/chatmessage.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace farmchat;

namespace {

void checkEnvelope(const QByteArray &payload, const QString &room)
{
    const auto envelope = PubSubEnvelope::decode(payload, room);
    if (!envelope) {
        if (envelope.error().isEmpty())
            fuzz::fail("a refused envelope without a reason");
        return;
    }
    const ChatMessage &m = envelope->message;
    if (m.room != room || !checkRoomName(m.room) || !checkUserName(m.from)
        || !checkMessageText(m.text) || m.node != envelope->origin || envelope->seq < 1)
        fuzz::fail("decode accepted an envelope that breaks the limits clients are held to");
    const auto again = PubSubEnvelope::decode(envelope->encode(), room);
    if (!again)
        fuzz::fail("an accepted envelope does not decode after encode()");
    if (!(again->message == m) || again->origin != envelope->origin || again->boot != envelope->boot
        || again->seq != envelope->seq)
        fuzz::fail("an envelope changed through encode() and decode()");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray payload
        = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    // The checks clients and the hub apply to names, rooms and texts.
    const QString text = QString::fromUtf8(payload);
    (void)checkRoomName(text);
    (void)checkUserName(text);
    (void)checkMessageText(text);
    (void)parseVia(text);

    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(payload, &error);
    if (document.isObject()) {
        const auto message = ChatMessage::fromJson(document.object());
        if (message) {
            const auto again = ChatMessage::fromJson(message->toJson());
            if (!again || !(again.value() == message.value()))
                fuzz::fail("a message changed through toJson() and fromJson()");
        }
        // The channel a payload arrives on names its room; try the one it claims too.
        const QJsonObject inner = document.object().value(u"message").toObject();
        checkEnvelope(payload, inner.value(u"room").toString());
    }
    checkEnvelope(payload, QStringLiteral("lobby"));
    return 0;
}
