#pragma once

#include <QByteArrayView>
#include <QtGlobal>

namespace farmchat {

// Follows the frame boundaries of a client-to-server WebSocket byte stream
// (RFC 6455 section 5.2) and reports a frame without a mask, which section 5.1
// says a server must refuse. Qt 6.4's QWebSocket accepts such frames, so the
// node watches the raw stream with this. Pure: bytes in, verdict out.
class FrameScanner
{
public:
    enum class Verdict { Ok, Unmasked };

    // Feeds the next bytes of the stream; once Unmasked, stays Unmasked.
    Verdict feed(QByteArrayView bytes);
    quint64 framesSeen() const { return m_frames; }
    // Payload bytes of the current frame still to come: the caller may pass
    // over that many with skipPayload() instead of copying them into feed().
    quint64 payloadRemaining() const { return m_state == State::Payload ? m_length : 0; }
    void skipPayload(quint64 bytes);

private:
    enum class State { Opcode, Length, ExtendedLength, MaskKey, Payload };
    State m_state = State::Opcode;
    int m_need = 0; // bytes still wanted for ExtendedLength or MaskKey
    quint64 m_length = 0; // ExtendedLength being assembled, then payload left
    quint64 m_frames = 0;
    Verdict m_verdict = Verdict::Ok;
};

} // namespace farmchat
