// libFuzzer target: the unmasked-frame watcher's scanner (server/framescanner).
// The verdict and the frame count must not depend on how the stream is split,
// nor on whether payload is fed or skipped, as UnmaskedFrameGuard may do either.
#include "fuzz/fuzzinput.h"
#include "server/framescanner.h"

using namespace farmchat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fuzz::ChunkedInput in = fuzz::ChunkedInput::from(data, size);

    FrameScanner whole;
    const FrameScanner::Verdict expected = whole.feed(in.stream);

    FrameScanner fed;
    FrameScanner skipping;
    qsizetype offset = 0;
    for (qsizetype chunk : in.chunks) {
        const QByteArrayView part = in.stream.sliced(offset, chunk);
        offset += chunk;
        fed.feed(part);
        // What the guard does: jump over payload it need not look at.
        qsizetype i = 0;
        while (i < part.size()) {
            const quint64 skip
                = qMin<quint64>(skipping.payloadRemaining(), quint64(part.size() - i));
            if (skip > 0) {
                skipping.skipPayload(skip);
                i += qsizetype(skip);
                continue;
            }
            if (skipping.feed(part.sliced(i, 1)) == FrameScanner::Verdict::Unmasked)
                break;
            ++i;
        }
    }
    if (fed.feed({}) != expected)
        fuzz::fail("the verdict depends on how the stream was split");
    if (skipping.feed({}) != expected)
        fuzz::fail("skipping payload changed the verdict");
    if (expected == FrameScanner::Verdict::Ok) {
        if (fed.framesSeen() != whole.framesSeen() || skipping.framesSeen() != whole.framesSeen())
            fuzz::fail("the frame count depends on how the stream was split");
        if (fed.payloadRemaining() != whole.payloadRemaining()
            || skipping.payloadRemaining() != whole.payloadRemaining())
            fuzz::fail("the payload left depends on how the stream was split");
    }
    return 0;
}
