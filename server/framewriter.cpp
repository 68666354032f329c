#include "server/framewriter_p.h"

namespace farmchat::framewriter {

namespace {

constexpr char kRecordSeparator = '\x1e';

} // namespace

void appendFrameHeader(QByteArray &out, quint8 opcode, quint64 payloadBytes)
{
    out.append(char(0x80 | opcode)); // FIN + opcode
    if (payloadBytes <= 125) {
        out.append(char(payloadBytes));
    } else if (payloadBytes <= 0xFFFF) {
        out.append(char(126));
        out.append(char(payloadBytes >> 8));
        out.append(char(payloadBytes & 0xFF));
    } else {
        out.append(char(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.append(char((payloadBytes >> shift) & 0xFF));
    }
}

void appendTextFrames(QByteArray &out, QByteArrayView records, qsizetype maxPayload)
{
    while (!records.isEmpty()) {
        qsizetype take = records.size();
        if (take > maxPayload) {
            // The last record end within the limit, else the end of the first record.
            const QByteArrayView head = records.first(maxPayload);
            qsizetype cut = head.lastIndexOf(kRecordSeparator);
            if (cut < 0)
                cut = records.indexOf(kRecordSeparator);
            take = cut < 0 ? records.size() : cut + 1;
        }
        appendTextFrameHeader(out, quint64(take));
        out.append(records.first(take));
        records = records.sliced(take);
    }
}

QByteArray closeFrame(quint16 code, QByteArrayView reason)
{
    constexpr quint16 kNoStatus = 1005;
    QByteArray frame;
    if (code == kNoStatus) {
        appendFrameHeader(frame, kClose, 0);
        return frame;
    }
    constexpr qsizetype kMaxReason = 123; // 125 minus the code
    if (reason.size() > kMaxReason) {
        qsizetype cut = kMaxReason;
        while (cut > 0 && (uchar(reason[cut]) & 0xC0) == 0x80)
            --cut; // not inside a UTF-8 sequence
        reason = reason.first(cut);
    }
    appendFrameHeader(frame, kClose, quint64(2 + reason.size()));
    frame.append(char(code >> 8));
    frame.append(char(code & 0xFF));
    frame.append(reason);
    return frame;
}

QByteArray pongFrame(QByteArrayView payload)
{
    QByteArray frame;
    appendFrameHeader(frame, kPong, quint64(payload.size()));
    frame.append(payload);
    return frame;
}

} // namespace farmchat::framewriter
