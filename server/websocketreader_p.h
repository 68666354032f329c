#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QtGlobal>

namespace farmchat {

// Reads the client-to-server half of an RFC 6455 WebSocket: bytes in, events
// out, no I/O (hiredis' read.c for WebSocket frames). The node's own
// connection layer feeds it what the socket read and acts on the events: it
// answers a Ping with a Pong, echoes a Close, and closes with the code an
// error carries. Idle, it holds no heap memory: tens of thousands of
// connections sit idle at once.
class WebSocketReader
{
public:
    // What the reader found, in stream order. The node's connection is one.
    class Handler
    {
    public:
        virtual ~Handler() = default;
        // A whole text message, valid UTF-8 (RFC 6455 5.6, 8.1); the caller keeps it.
        virtual void textMessage(QByteArray utf8) = 0;
        virtual void binaryMessage(QByteArray bytes) = 0;
        // Control frames (5.5.2, 5.5.3): at most 125 bytes, valid only during the call.
        virtual void ping(QByteArrayView payload) = 0;
        virtual void pong(QByteArrayView payload) = 0;
        // The peer's Close frame (5.5.1) with a valid code (7.4), or 1005 (no
        // status) when it had none; `reason` is valid UTF-8. The reader is finished.
        virtual void close(quint16 code, QByteArrayView reason) = 0;
        // The stream broke RFC 6455 or a limit: close with `code` (1002, 1007
        // or 1009) and read no more. The reader is finished.
        virtual void error(quint16 code, const QString &reason) = 0;
    };

    // Close codes the reader reports errors with (RFC 6455 7.4.1).
    static constexpr quint16 kProtocolError = 1002;
    static constexpr quint16 kInvalidPayload = 1007; // "inconsistent data": bad UTF-8
    static constexpr quint16 kMessageTooBig = 1009;
    static constexpr quint16 kNoStatus = 1005;

    // Messages over `maxMessageBytes` (payload bytes, summed over fragments)
    // are refused with 1009 as soon as a frame header declares it.
    explicit WebSocketReader(qint64 maxMessageBytes);

    // Parses `bytes`, calling `handler` for each event before returning.
    // Returns false once finished (after a Close or an error, or stop()):
    // later bytes are ignored. The handler may call stop(), but must not
    // call feed() or destroy the reader (deleteLater() its owner instead).
    bool feed(QByteArrayView bytes, Handler &handler);
    // Reads no more and frees what a partial frame held: the caller closes.
    void stop();
    bool isFinished() const { return m_state == State::Finished; }

    // Heap bytes held for a message in progress: 0 between messages.
    qsizetype bufferedCapacity() const { return m_message.capacity(); }

private:
    // Incremental UTF-8 check (RFC 3629 section 4): no overlongs, no
    // surrogates, nothing past U+10FFFF; a sequence may span chunks.
    struct Utf8Check
    {
        quint8 need = 0; // continuation bytes still expected
        quint8 low = 0x80; // range of the next continuation byte
        quint8 high = 0xbf;
        bool feed(const uchar *bytes, qsizetype size);
        bool complete() const { return need == 0; }
    };

    enum class State { Header, Payload, Finished };

    qsizetype readHeader(QByteArrayView bytes, Handler &handler);
    void checkFirstByte(Handler &handler);
    void checkSecondByte(Handler &handler);
    void startPayload(Handler &handler);
    qsizetype readPayload(QByteArrayView bytes, Handler &handler);
    void finishFrame(Handler &handler);
    void finishClose(Handler &handler);
    void fail(Handler &handler, quint16 code, const QString &reason);
    void unmask(char *out, const char *in, qsizetype size);

    qint64 m_maxMessageBytes;
    State m_state = State::Header;
    uchar m_header[14] = {}; // 2 + at most 8 length bytes + 4 mask bytes
    quint8 m_headerHave = 0;
    quint8 m_headerNeed = 2;
    quint8 m_opcode = 0; // of the current frame
    quint8 m_messageOpcode = 0; // Text or Binary while a fragmented message runs
    bool m_fin = false;
    uchar m_mask[4] = {};
    quint8 m_maskPhase = 0; // payload bytes of this frame so far, modulo 4
    Utf8Check m_utf8;
    quint8 m_controlHave = 0;
    char m_control[125] = {}; // a control frame's payload: never on the heap
    quint64 m_frameRemaining = 0;
    QByteArray m_message; // data payload so far: null between messages
};

} // namespace farmchat
