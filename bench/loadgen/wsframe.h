#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// RFC 6455 framing for the load generator and its fan-out server: encoding of
// (masked or unmasked) frames and an incremental parser that reassembles
// fragmented messages and surfaces control frames. No I/O, so it is unit-tested
// on bytes alone (tests/bench/tst_wsframe.cpp).
namespace farmchat::bench {

enum class WsOpcode : std::uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// One complete message (data frames reassembled) or one control frame.
struct WsMessage
{
    WsOpcode opcode = WsOpcode::Text;
    std::string payload;
};

// RFC 6455 §5.2/§5.3: appends one FIN frame to out. A client masks with
// maskKey (any 32-bit value; the caller supplies a fresh one per frame).
void appendWsFrame(std::string &out, WsOpcode opcode, std::string_view payload, bool mask,
    std::uint32_t maskKey = 0, bool fin = true);

// XORs data with the 4-byte key starting at key byte `offset`, 8 bytes a step.
void applyWsMask(char *data, std::size_t size, std::uint32_t maskKey, std::size_t offset = 0);

// Incremental parser for the frames of one connection.
class WsFrameParser
{
public:
    enum class Status { NeedMore, Message, Error };

    // A client must reject masked server frames and a server must reject
    // unmasked client frames (RFC 6455 §5.1).
    explicit WsFrameParser(bool expectMasked, std::size_t maxMessageBytes = 1 << 20)
        : m_expectMasked(expectMasked), m_maxMessageBytes(maxMessageBytes)
    { }

    void feed(std::string_view bytes) { m_buffer.append(bytes); }
    // Takes the next complete message into out; Error leaves error() set and
    // the connection must be closed (with 1002 / 1009).
    Status next(WsMessage &out);
    const std::string &error() const { return m_error; }
    std::size_t buffered() const { return m_buffer.size() - m_pos; }

private:
    Status fail(std::string message);

    bool m_expectMasked;
    std::size_t m_maxMessageBytes;
    std::string m_buffer;
    std::size_t m_pos = 0;
    bool m_inFragmented = false;
    WsOpcode m_fragmentOpcode = WsOpcode::Text;
    std::string m_fragments;
    std::string m_error;
};

} // namespace farmchat::bench
