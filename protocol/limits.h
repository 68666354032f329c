#pragma once

#include <QtGlobal>

// Defaults for every limit a node enforces. docs/GUARANTEES.md lists them with
// their flags and what a client sees when one is hit.
namespace farmchat::limits {

constexpr qint64 kMaxMessageBytes = 32 * 1024; // --max-message-bytes, as ASP.NET Core SignalR
constexpr int kMaxNameChars = 64;
constexpr int kMaxRoomChars = 64;
constexpr int kMaxTextChars = 4000;
constexpr int kMaxRoomsPerConnection = 32;
constexpr int kMaxHistoryLimit = 1000; // largest `limit` History answers
constexpr int kDefaultHistory = 1000; // --history: messages kept per room
constexpr int kMaxConnectionsPerNode = 10000;
constexpr qint64 kMaxSendQueueBytes = 4 * 1024 * 1024; // per client, then disconnected
constexpr int kOutboxCapacity = 10000; // streams mode, while Redis is down
// --room-idle-ttl: a room's Redis stream is removed after a day without a
// message; a chat farm's ad-hoc rooms would otherwise fill Redis for good.
constexpr qint64 kRoomIdleTtlMs = 24LL * 3600 * 1000;
constexpr int kInvocationsPerSecond = 200; // per connection, burst of the same size
constexpr int kKeepAliveMs = 15000;
constexpr int kClientTimeoutMs = 30000;
constexpr int kHandshakeTimeoutMs = 15000;
constexpr qint64 kMaxHttpHeaderBytes = 16 * 1024;
constexpr qint64 kMaxHttpBodyBytes = 64 * 1024;

} // namespace farmchat::limits
