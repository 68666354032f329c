#include "redis/clusterslot.h"

namespace farmchat {

quint16 clusterCrc16(QByteArrayView data)
{
    // Bitwise rather than the spec's 256-entry table: keys are short, and this
    // is the polynomial itself, easy to check against the appendix.
    quint16 crc = 0;
    for (const char c : data) {
        crc ^= quint16(quint8(c)) << 8;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 0x8000) ? quint16((crc << 1) ^ 0x1021) : quint16(crc << 1);
    }
    return crc;
}

int clusterKeySlot(QByteArrayView key)
{
    // Spec, "Hash tags": only a non-empty {...} counts; "foo{}{bar}" hashes
    // the whole key, "foo{{bar}}zap" hashes "{bar".
    const qsizetype open = key.indexOf('{');
    if (open >= 0) {
        const qsizetype close = key.indexOf('}', open + 1);
        if (close > open + 1)
            key = key.sliced(open + 1, close - open - 1);
    }
    return clusterCrc16(key) % kClusterSlotCount;
}

} // namespace farmchat
