#include "server/framescanner.h"

namespace farmchat {

FrameScanner::Verdict FrameScanner::feed(QByteArrayView bytes)
{
    qsizetype i = 0;
    while (m_verdict == Verdict::Ok && i < bytes.size()) {
        const uchar byte = uchar(bytes[i]);
        switch (m_state) {
        case State::Opcode:
            ++i;
            m_state = State::Length;
            break;
        case State::Length: {
            ++i;
            if (!(byte & 0x80)) {
                m_verdict = Verdict::Unmasked;
                break;
            }
            const int length7 = byte & 0x7f;
            m_length = 0;
            if (length7 == 126 || length7 == 127) {
                m_need = length7 == 126 ? 2 : 8;
                m_state = State::ExtendedLength;
            } else {
                m_length = quint64(length7);
                m_need = 4;
                m_state = State::MaskKey;
            }
            break;
        }
        case State::ExtendedLength:
            ++i;
            m_length = (m_length << 8) | byte;
            if (--m_need == 0) {
                m_need = 4;
                m_state = State::MaskKey;
            }
            break;
        case State::MaskKey:
            ++i;
            if (--m_need == 0)
                m_state = m_length == 0 ? State::Opcode : State::Payload;
            if (m_state == State::Opcode)
                ++m_frames;
            break;
        case State::Payload: {
            const quint64 take = qMin<quint64>(m_length, quint64(bytes.size() - i));
            i += qsizetype(take);
            m_length -= take;
            if (m_length == 0) {
                m_state = State::Opcode;
                ++m_frames;
            }
            break;
        }
        }
    }
    return m_verdict;
}

void FrameScanner::skipPayload(quint64 bytes)
{
    bytes = qMin(bytes, payloadRemaining());
    m_length -= bytes;
    if (m_state == State::Payload && m_length == 0) {
        m_state = State::Opcode;
        ++m_frames;
    }
}

} // namespace farmchat
