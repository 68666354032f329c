#pragma once

#include <QByteArrayView>
#include <QList>

#include <cstddef>
#include <cstdint>

namespace farmchat::fuzz {

// Cuts a fuzzer input into a byte stream and the chunk sizes it arrives in, so
// one input exercises both what the peer sent and how the network split it.
// The first byte seeds the chunk sizes (1..64, or all at once when it is 0).
struct ChunkedInput
{
    QByteArrayView stream;
    QList<qsizetype> chunks; // sizes adding up to stream.size()

    static ChunkedInput from(const uint8_t *data, size_t size)
    {
        ChunkedInput in;
        if (size == 0)
            return in;
        const uint8_t seed = data[0];
        in.stream = QByteArrayView(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
        quint32 state = seed;
        for (qsizetype done = 0; done < in.stream.size();) {
            state = state * 1103515245u + 12345u; // a small LCG: deterministic per input
            const qsizetype want = seed == 0 ? in.stream.size() : qsizetype(1 + (state >> 16) % 64);
            const qsizetype take = qMin(want, in.stream.size() - done);
            in.chunks.append(take);
            done += take;
        }
        return in;
    }
};

// Aborts with a message: libFuzzer reports it as a crash with the input that caused it.
[[noreturn]] void fail(const char *what);

} // namespace farmchat::fuzz
