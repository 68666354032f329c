#include "server/websocketreader_p.h"

#include <QtEndian>

#include <cstring>
#include <utility>

namespace farmchat {

namespace {

enum Opcode : quint8 {
    kContinuation = 0x0,
    kText = 0x1,
    kBinary = 0x2,
    kClose = 0x8,
    kPing = 0x9,
    kPong = 0xa,
};

bool isControl(quint8 opcode)
{
    return opcode & 0x8;
}

// Codes a peer may put in a Close frame (RFC 6455 7.4.1, 7.4.2, and the IANA
// registry's 1012-1014): 1004-1006 and 1015 are never sent, 1016-2999 are
// reserved for future RFCs, 5000 and up are undefined.
bool isSendableCloseCode(quint16 code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
        || (code >= 3000 && code <= 4999);
}

} // namespace

WebSocketReader::WebSocketReader(qint64 maxMessageBytes)
    : m_maxMessageBytes(qMax<qint64>(0, maxMessageBytes))
{ }

bool WebSocketReader::feed(QByteArrayView bytes, Handler &handler)
{
    qsizetype done = 0;
    while (m_state != State::Finished && done < bytes.size()) {
        const QByteArrayView rest = bytes.sliced(done);
        done += m_state == State::Header ? readHeader(rest, handler) : readPayload(rest, handler);
    }
    return m_state != State::Finished;
}

void WebSocketReader::stop()
{
    m_state = State::Finished;
    m_messageOpcode = 0;
    m_message = QByteArray();
}

qsizetype WebSocketReader::readHeader(QByteArrayView bytes, Handler &handler)
{
    // The first two bytes one at a time, so each rule is applied as early,
    // and in the same order, however the stream is split.
    if (m_headerHave < 2) {
        m_header[m_headerHave++] = uchar(bytes[0]);
        if (m_headerHave == 1)
            checkFirstByte(handler);
        else
            checkSecondByte(handler);
        return 1;
    }
    // The extended length and the mask key: the header is at least 6 bytes.
    const qsizetype take = qMin<qsizetype>(m_headerNeed - m_headerHave, bytes.size());
    std::memcpy(m_header + m_headerHave, bytes.data(), size_t(take));
    m_headerHave += quint8(take);
    if (m_headerHave == m_headerNeed)
        startPayload(handler);
    return take;
}

void WebSocketReader::checkFirstByte(Handler &handler)
{
    const uchar byte = m_header[0];
    m_fin = byte & 0x80;
    m_opcode = byte & 0x0f;
    const bool data = m_opcode == kText || m_opcode == kBinary;
    QString problem;
    if (byte & 0x70) // 5.2: no extension is negotiated, so RSV1-3 are 0
        problem = QStringLiteral("reserved bits set in a frame header");
    else if (!data && m_opcode != kContinuation && !isControl(m_opcode))
        problem = QStringLiteral("reserved opcode %1").arg(int(m_opcode));
    else if (m_opcode > kPong)
        problem = QStringLiteral("reserved opcode %1").arg(int(m_opcode));
    else if (m_opcode == kContinuation && m_messageOpcode == 0) // 5.4
        problem = QStringLiteral("continuation frame without a message to continue");
    else if (data && m_messageOpcode != 0) // 5.4: messages are not interleaved
        problem = QStringLiteral("new data frame inside a fragmented message");
    else if (isControl(m_opcode) && !m_fin) // 5.5
        problem = QStringLiteral("fragmented control frame");
    if (!problem.isEmpty())
        fail(handler, kProtocolError, problem);
}

void WebSocketReader::checkSecondByte(Handler &handler)
{
    const uchar byte = m_header[1];
    // 5.1: a server closes on a frame from the client that is not masked.
    if (!(byte & 0x80)) {
        fail(handler, kProtocolError, QStringLiteral("frame not masked"));
        return;
    }
    const uchar length7 = byte & 0x7f;
    if (isControl(m_opcode) && length7 > 125) { // 5.5
        fail(handler, kProtocolError, QStringLiteral("control frame over 125 bytes"));
        return;
    }
    m_headerNeed = quint8(2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4);
}

void WebSocketReader::startPayload(Handler &handler)
{
    const uchar length7 = m_header[1] & 0x7f;
    quint64 length = length7;
    if (length7 == 126) {
        length = qFromBigEndian<quint16>(m_header + 2);
        // 5.2: "the minimal number of bytes MUST be used to encode the length".
        if (length < 126) {
            fail(handler, kProtocolError, QStringLiteral("frame length not in its shortest form"));
            return;
        }
    } else if (length7 == 127) {
        length = qFromBigEndian<quint64>(m_header + 2);
        if (length >> 63) {
            fail(handler, kProtocolError,
                QStringLiteral("64-bit frame length with its most significant bit set"));
            return;
        }
        if (length <= 0xffff) {
            fail(handler, kProtocolError, QStringLiteral("frame length not in its shortest form"));
            return;
        }
    }
    if (!isControl(m_opcode)) {
        // Judged on the declared length, before a byte of it is buffered.
        const quint64 have = quint64(m_message.size());
        if (length > quint64(m_maxMessageBytes) - have) {
            fail(handler, kMessageTooBig,
                QStringLiteral("message larger than %1 bytes").arg(m_maxMessageBytes));
            return;
        }
        if (m_opcode != kContinuation) {
            m_messageOpcode = m_opcode;
            m_utf8 = {};
        }
    }
    std::memcpy(m_mask, m_header + m_headerHave - 4, 4);
    m_maskPhase = 0;
    m_controlHave = 0;
    m_frameRemaining = length;
    m_headerHave = 0;
    m_headerNeed = 2;
    m_state = State::Payload;
    if (length == 0)
        finishFrame(handler);
}

qsizetype WebSocketReader::readPayload(QByteArrayView bytes, Handler &handler)
{
    const qsizetype take = qsizetype(qMin<quint64>(m_frameRemaining, quint64(bytes.size())));
    if (isControl(m_opcode)) {
        unmask(m_control + m_controlHave, bytes.data(), take);
        m_controlHave += quint8(take);
    } else {
        const qsizetype at = m_message.size();
        const qsizetype want = at + take;
        // Exactly the frame when a message's first frame is all here (the
        // usual case); else grow with what arrives, not with what a header
        // promised, and by doubling: a message cut into one-byte fragments
        // must not be copied once per fragment. Never past the limit.
        if (want > m_message.capacity()) {
            const bool whole = at == 0 && quint64(take) == m_frameRemaining;
            m_message.reserve(
                whole ? want : qMax(want, qsizetype(qMin<qint64>(2 * at, m_maxMessageBytes))));
        }
        m_message.resize(want);
        char *out = m_message.data() + at;
        unmask(out, bytes.data(), take);
        // 8.1: validated as it arrives, so a bad byte closes at once.
        if (m_messageOpcode == kText && !m_utf8.feed(reinterpret_cast<const uchar *>(out), take)) {
            fail(handler, kInvalidPayload, QStringLiteral("invalid UTF-8 in a text message"));
            return take;
        }
    }
    m_frameRemaining -= quint64(take);
    if (m_frameRemaining == 0)
        finishFrame(handler);
    return take;
}

void WebSocketReader::finishFrame(Handler &handler)
{
    m_state = State::Header;
    switch (m_opcode) {
    case kPing:
        handler.ping(QByteArrayView(m_control, m_controlHave));
        return;
    case kPong:
        handler.pong(QByteArrayView(m_control, m_controlHave));
        return;
    case kClose:
        finishClose(handler);
        return;
    default:
        break;
    }
    if (!m_fin)
        return; // a continuation follows
    if (std::exchange(m_messageOpcode, 0) == kBinary) {
        handler.binaryMessage(std::exchange(m_message, QByteArray()));
        return;
    }
    if (!m_utf8.complete()) {
        fail(handler, kInvalidPayload, QStringLiteral("text message ends inside a UTF-8 sequence"));
        return;
    }
    handler.textMessage(std::exchange(m_message, QByteArray()));
}

void WebSocketReader::finishClose(Handler &handler)
{
    // 5.5.1: no body, or a 2-byte code and then a UTF-8 reason.
    if (m_controlHave == 0) {
        stop();
        handler.close(kNoStatus, {});
        return;
    }
    if (m_controlHave == 1) {
        fail(handler, kProtocolError, QStringLiteral("close frame with a 1-byte body"));
        return;
    }
    const quint16 code = qFromBigEndian<quint16>(m_control);
    if (!isSendableCloseCode(code)) {
        fail(handler, kProtocolError, QStringLiteral("invalid close code %1").arg(code));
        return;
    }
    const QByteArrayView reason(m_control + 2, m_controlHave - 2);
    Utf8Check utf8;
    if (!utf8.feed(reinterpret_cast<const uchar *>(reason.data()), reason.size())
        || !utf8.complete()) {
        fail(handler, kInvalidPayload, QStringLiteral("close reason is not valid UTF-8"));
        return;
    }
    stop();
    handler.close(code, reason);
}

void WebSocketReader::fail(Handler &handler, quint16 code, const QString &reason)
{
    stop();
    handler.error(code, reason);
}

void WebSocketReader::unmask(char *out, const char *in, qsizetype size)
{
    // 5.3: byte i of the payload is XORed with mask byte i % 4. Eight at a
    // time with the key laid out from the current phase; 8 keeps the phase.
    uchar key[8];
    for (int k = 0; k < 8; ++k)
        key[k] = m_mask[(m_maskPhase + k) & 3];
    quint64 key64;
    std::memcpy(&key64, key, 8);
    qsizetype i = 0;
    for (; i + 8 <= size; i += 8) {
        quint64 word;
        std::memcpy(&word, in + i, 8);
        word ^= key64;
        std::memcpy(out + i, &word, 8);
    }
    for (; i < size; ++i)
        out[i] = char(uchar(in[i]) ^ key[i & 7]);
    m_maskPhase = quint8((m_maskPhase + size) & 3);
}

bool WebSocketReader::Utf8Check::feed(const uchar *bytes, qsizetype size)
{
    qsizetype i = 0;
    while (i < size) {
        if (need == 0) {
            // Runs of ASCII, the usual chat text, eight bytes at a time.
            quint64 word;
            while (i + 8 <= size) {
                std::memcpy(&word, bytes + i, 8);
                if (word & 0x8080808080808080ull)
                    break;
                i += 8;
            }
            if (i == size)
                break;
            const uchar lead = bytes[i++];
            if (lead < 0x80)
                continue;
            if (lead < 0xc2 || lead > 0xf4) // continuation, overlong C0/C1, past U+10FFFF
                return false;
            low = 0x80;
            high = 0xbf;
            if (lead < 0xe0) {
                need = 1;
            } else if (lead < 0xf0) {
                need = 2;
                low = lead == 0xe0 ? 0xa0 : 0x80; // overlong
                high = lead == 0xed ? 0x9f : 0xbf; // surrogates
            } else {
                need = 3;
                low = lead == 0xf0 ? 0x90 : 0x80; // overlong
                high = lead == 0xf4 ? 0x8f : 0xbf; // past U+10FFFF
            }
            continue;
        }
        const uchar next = bytes[i++];
        if (next < low || next > high)
            return false;
        low = 0x80;
        high = 0xbf;
        --need;
    }
    return true;
}

} // namespace farmchat
