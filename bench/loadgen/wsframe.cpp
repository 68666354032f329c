#include "bench/loadgen/wsframe.h"

#include <cstring>

namespace farmchat::bench {

void applyWsMask(char *data, std::size_t size, std::uint32_t maskKey, std::size_t offset)
{
    unsigned char key[4];
    std::memcpy(key, &maskKey, 4);
    std::size_t i = 0;
    // Align the key to the payload offset so a wide XOR can run on whole words.
    unsigned char rotated[8];
    for (int k = 0; k < 8; ++k)
        rotated[k] = key[(offset + k) % 4];
    std::uint64_t wide;
    std::memcpy(&wide, rotated, 8);
    for (; i + 8 <= size; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, data + i, 8);
        word ^= wide;
        std::memcpy(data + i, &word, 8);
    }
    for (; i < size; ++i)
        data[i] = static_cast<char>(data[i] ^ key[(offset + i) % 4]);
}

void appendWsFrame(std::string &out, WsOpcode opcode, std::string_view payload, bool mask,
    std::uint32_t maskKey, bool fin)
{
    const std::size_t start = out.size();
    const std::size_t n = payload.size();
    unsigned char header[14];
    std::size_t h = 0;
    header[h++] = static_cast<unsigned char>((fin ? 0x80 : 0x00) | static_cast<unsigned>(opcode));
    const unsigned char maskBit = mask ? 0x80 : 0x00;
    if (n < 126) {
        header[h++] = static_cast<unsigned char>(maskBit | n);
    } else if (n <= 0xFFFF) {
        header[h++] = maskBit | 126;
        header[h++] = static_cast<unsigned char>(n >> 8);
        header[h++] = static_cast<unsigned char>(n);
    } else {
        header[h++] = maskBit | 127;
        for (int shift = 56; shift >= 0; shift -= 8)
            header[h++] = static_cast<unsigned char>(static_cast<std::uint64_t>(n) >> shift);
    }
    if (mask) {
        std::memcpy(header + h, &maskKey, 4);
        h += 4;
    }
    out.append(reinterpret_cast<const char *>(header), h);
    out.append(payload);
    if (mask)
        applyWsMask(out.data() + start + h, n, maskKey);
}

WsFrameParser::Status WsFrameParser::fail(std::string message)
{
    m_error = std::move(message);
    return Status::Error;
}

WsFrameParser::Status WsFrameParser::next(WsMessage &out)
{
    for (;;) {
        const std::size_t avail = m_buffer.size() - m_pos;
        if (avail < 2) {
            break;
        }
        const auto *p = reinterpret_cast<const unsigned char *>(m_buffer.data() + m_pos);
        const bool fin = p[0] & 0x80;
        if (p[0] & 0x70)
            return fail("reserved bits set without a negotiated extension");
        const auto opcode = static_cast<WsOpcode>(p[0] & 0x0F);
        const bool masked = p[1] & 0x80;
        std::uint64_t len = p[1] & 0x7F;
        std::size_t h = 2;
        if (len == 126) {
            if (avail < 4)
                break;
            len = (std::uint64_t(p[2]) << 8) | p[3];
            h = 4;
        } else if (len == 127) {
            if (avail < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; ++i)
                len = (len << 8) | p[2 + i];
            h = 10;
            if (len >> 63)
                return fail("64-bit payload length has its top bit set");
        }
        if (masked != m_expectMasked)
            return fail(
                masked ? "server frames must not be masked" : "client frames must be masked");
        const bool control = static_cast<unsigned>(opcode) & 0x8;
        switch (opcode) {
        case WsOpcode::Continuation:
        case WsOpcode::Text:
        case WsOpcode::Binary:
        case WsOpcode::Close:
        case WsOpcode::Ping:
        case WsOpcode::Pong:
            break;
        default:
            return fail("unknown opcode " + std::to_string(static_cast<unsigned>(opcode)));
        }
        if (control && (!fin || len > 125))
            return fail("control frames must be final and at most 125 bytes");
        if (len > m_maxMessageBytes || m_fragments.size() + len > m_maxMessageBytes)
            return fail("message larger than " + std::to_string(m_maxMessageBytes) + " bytes");
        std::uint32_t key = 0;
        if (masked) {
            if (avail < h + 4)
                break;
            std::memcpy(&key, p + h, 4);
            h += 4;
        }
        if (avail < h + len)
            break;
        char *payload = m_buffer.data() + m_pos + h;
        if (masked)
            applyWsMask(payload, len, key);
        const std::string_view data(payload, len);
        m_pos += h + len;

        if (control) {
            out.opcode = opcode;
            out.payload.assign(data);
            return Status::Message;
        }
        if (opcode == WsOpcode::Continuation) {
            if (!m_inFragmented)
                return fail("continuation frame without a message to continue");
            m_fragments.append(data);
            if (fin) {
                m_inFragmented = false;
                out.opcode = m_fragmentOpcode;
                out.payload.swap(m_fragments);
                m_fragments.clear();
                return Status::Message;
            }
            continue;
        }
        if (m_inFragmented)
            return fail("new data frame while a fragmented message is unfinished");
        if (!fin) {
            m_inFragmented = true;
            m_fragmentOpcode = opcode;
            m_fragments.assign(data);
            continue;
        }
        out.opcode = opcode;
        out.payload.assign(data);
        return Status::Message;
    }
    // Compact once the consumed prefix is large, so the buffer does not grow.
    if (m_pos > 0 && (m_pos == m_buffer.size() || m_pos > 65536)) {
        m_buffer.erase(0, m_pos);
        m_pos = 0;
    }
    return Status::NeedMore;
}

} // namespace farmchat::bench
