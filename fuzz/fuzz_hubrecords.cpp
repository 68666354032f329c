// libFuzzer target: the SignalR record path of a hub connection, as HubSession
// runs it: WebSocket text messages into a RecordBuffer (0x1E framing, bounded
// tail), the first record through parseHandshakeRequest, the rest through
// parseMessage. Checks that framing loses and invents no bytes and that what
// the parser accepts survives writeMessage and a second parse.
#include "fuzz/fuzzinput.h"
#include "protocol/hubprotocol.h"
#include "protocol/recordbuffer.h"

using namespace farmchat;

namespace {

constexpr qsizetype kMaxPending = 4096; // small, so the cap is reached often

bool sameMessage(const HubMessage &a, const HubMessage &b)
{
    return a.type == b.type && a.invocationId == b.invocationId && a.target == b.target
        && a.arguments == b.arguments && a.streamIds == b.streamIds && a.hasResult == b.hasResult
        && a.result == b.result && a.hasError == b.hasError && a.error == b.error
        && a.allowReconnect == b.allowReconnect && a.item == b.item;
}

void checkMessage(const QByteArray &record)
{
    const auto parsed = hubprotocol::parseMessage(record);
    if (!parsed) {
        if (parsed.error().isEmpty())
            fuzz::fail("a refused record without a reason");
        return;
    }
    QByteArray written = hubprotocol::writeMessage(parsed.value());
    if (!written.endsWith(hubprotocol::kRecordSeparator) || written.count('\x1e') != 1)
        fuzz::fail("writeMessage did not produce exactly one record");
    written.chop(1);
    const auto reparsed = hubprotocol::parseMessage(written);
    // Ack and Sequence carry fields this node does not model; the rest must round-trip.
    if (parsed->type == HubMessageType::Ack || parsed->type == HubMessageType::Sequence)
        return;
    if (!reparsed)
        fuzz::fail("a message the parser accepted does not parse after writeMessage");
    if (!sameMessage(parsed.value(), reparsed.value()))
        fuzz::fail("a message changed through writeMessage and parseMessage");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fuzz::ChunkedInput in = fuzz::ChunkedInput::from(data, size);
    RecordBuffer buffer(kMaxPending);
    QByteArray accepted; // every byte append() took
    QByteArray taken; // every record taken, separators put back
    bool handshakeDone = false;
    qsizetype offset = 0;
    for (qsizetype chunk : in.chunks) {
        const QByteArrayView part = in.stream.sliced(offset, chunk);
        offset += chunk;
        const qsizetype before = buffer.pendingBytes();
        if (!buffer.append(part)) {
            if (buffer.pendingBytes() != before)
                fuzz::fail("a refused append changed the buffer");
            break; // HubSession closes with 1009 here
        }
        accepted += part.toByteArray();
        while (auto record = buffer.takeRecord()) {
            if (record->contains(hubprotocol::kRecordSeparator))
                fuzz::fail("a record holds a separator");
            taken += *record + hubprotocol::kRecordSeparator;
            if (!handshakeDone) {
                const auto handshake = hubprotocol::parseHandshakeRequest(*record);
                if (!handshake && handshake.error().isEmpty())
                    fuzz::fail("a refused handshake without a reason");
                (void)hubprotocol::parseHandshakeResponse(*record);
                handshakeDone = true;
            } else {
                checkMessage(*record);
            }
        }
        if (buffer.pendingBytes() > kMaxPending)
            fuzz::fail("the unterminated tail grew past its cap");
    }
    if (taken.size() + buffer.pendingBytes() != accepted.size() || !accepted.startsWith(taken))
        fuzz::fail("framing lost or invented bytes");
    return 0;
}
