// libFuzzer target: the node's WebSocket frame reader (server/websocketreader).
// The events must not depend on how the stream is split, every text message
// and close reason must be valid UTF-8, and the reader never holds more than
// a message's worth of memory, nor any once it has finished.
#include "fuzz/fuzzinput.h"
#include "server/websocketreader_p.h"

#include <QStringDecoder>

using namespace farmchat;

namespace {

constexpr qint64 kMaxMessageBytes = 4096; // small, so 1009 is reached often

bool isUtf8(QByteArrayView bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString decoded = decoder(bytes);
    return !decoder.hasError();
}

// Writes each event down, so two readings can be compared.
class Recorder : public WebSocketReader::Handler
{
public:
    QList<QByteArray> events;
    bool finished = false;

    void textMessage(QByteArray utf8) override
    {
        if (!isUtf8(utf8))
            fuzz::fail("a text message is not valid UTF-8");
        if (utf8.size() > kMaxMessageBytes)
            fuzz::fail("a text message is over the limit");
        add('T', utf8);
    }
    void binaryMessage(QByteArray bytes) override
    {
        if (bytes.size() > kMaxMessageBytes)
            fuzz::fail("a binary message is over the limit");
        add('B', bytes);
    }
    void ping(QByteArrayView payload) override { add('P', payload); }
    void pong(QByteArrayView payload) override { add('O', payload); }
    void close(quint16 code, QByteArrayView reason) override
    {
        if (code < 1000 || code >= 5000 || !isUtf8(reason) || reason.size() > 123)
            fuzz::fail("a close event carries an invalid code or reason");
        end('C', code, reason);
    }
    void error(quint16 code, const QString &reason) override
    {
        if ((code != 1002 && code != 1007 && code != 1009) || reason.isEmpty())
            fuzz::fail("an error carries an unexpected close code");
        end('E', code, {});
    }

private:
    void add(char type, QByteArrayView payload)
    {
        if (finished)
            fuzz::fail("an event after the reader finished");
        QByteArray entry(1, type);
        entry += payload;
        events.append(entry);
    }
    void end(char type, quint16 code, QByteArrayView reason)
    {
        QByteArray detail = QByteArray::number(code);
        detail += ':';
        detail += reason;
        add(type, detail);
        finished = true;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fuzz::ChunkedInput in = fuzz::ChunkedInput::from(data, size);

    WebSocketReader whole(kMaxMessageBytes);
    Recorder expected;
    whole.feed(in.stream, expected);

    WebSocketReader chunked(kMaxMessageBytes);
    Recorder got;
    qsizetype offset = 0;
    for (qsizetype chunk : in.chunks) {
        const bool open = chunked.feed(in.stream.sliced(offset, chunk), got);
        offset += chunk;
        if (open == got.finished)
            fuzz::fail("feed() and the events disagree on whether the reader finished");
        // At most the message in progress, grown by doubling.
        if (chunked.bufferedCapacity() > 2 * kMaxMessageBytes + 64)
            fuzz::fail("the reader holds more than a message's worth of memory");
    }
    if (got.events != expected.events)
        fuzz::fail("the events depend on how the stream was split");
    if (chunked.isFinished() != whole.isFinished())
        fuzz::fail("finishing depends on how the stream was split");
    if (chunked.isFinished() && chunked.bufferedCapacity() != 0)
        fuzz::fail("a finished reader still holds memory");
    return 0;
}
