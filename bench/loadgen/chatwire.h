#pragma once

#include "core/result.h"

#include <cstdint>
#include <string>
#include <string_view>

// The chat protocols the load generator speaks, reduced to what a benchmark
// client needs: SignalR JSON hub protocol v1 (FarmChat's and the ASP.NET Core
// nodes: both serve FarmChat's hub contract at /chat), Socket.IO v4
// over Engine.IO v4 (the reference farm) and "raw" (the loopback fan-out
// server: a text frame is the message). Pure functions on strings, no I/O.
namespace farmchat::bench {

enum class WireKind { SignalR, SocketIo, Raw };

namespace chatwire {

const char *kindName(WireKind kind);
Result<WireKind> parseKind(std::string_view name);

// Every benchmark message text starts with this tag: the global sequence
// number and the CLOCK_MONOTONIC send time in ns, e.g. "L#42.123456789~xxxx".
struct Tag
{
    std::uint64_t seq = 0;
    std::int64_t sentNs = 0;
};
void appendTaggedText(std::string &out, Tag tag, std::size_t textBytes);
// Finds the tag in a received payload (anywhere: the text is inside JSON).
bool findTag(std::string_view payload, Tag &tag);

// The request target of the WebSocket upgrade for a chat endpoint path.
std::string upgradeTarget(WireKind kind, std::string_view path, std::string_view token);

// --- SignalR JSON hub protocol v1 (records end with 0x1E) ---
constexpr char kRecordSeparator = '\x1e';
std::string signalrHandshake();
// An Invocation; an empty invocationId makes it fire-and-forget (no Completion).
void appendSignalrInvocation(std::string &out, std::string_view target, std::string_view room,
    std::string_view text, std::string_view invocationId);
std::string signalrPing();
// The "type" of one record, -1 when it has none; "{}" (handshake answer) is 0.
int signalrType(std::string_view record);
// Calls f(record) for each 0x1E-terminated record in a text message.
template<typename F> void forEachRecord(std::string_view payload, F &&f)
{
    std::size_t start = 0;
    while (start < payload.size()) {
        const std::size_t end = payload.find(kRecordSeparator, start);
        if (end == std::string_view::npos)
            break;
        f(payload.substr(start, end - start));
        start = end + 1;
    }
}

// --- Engine.IO v4 / Socket.IO v4 packets ---
// Engine.IO packet types are the first character: 0 open, 1 close, 2 ping,
// 3 pong, 4 message; a Socket.IO packet follows "4": 0 CONNECT, 2 EVENT,
// 3 ACK, 4 CONNECT_ERROR, 1 DISCONNECT.
void appendSocketIoEvent(std::string &out, std::string_view event, std::string_view room,
    std::string_view text, int ackId);

// Minimal JSON string escaping for the values the bench sends.
void appendJsonString(std::string &out, std::string_view value);

} // namespace chatwire
} // namespace farmchat::bench
