#pragma once

#include "core/result.h"

#include <cstdint>
#include <string>
#include <string_view>

// The HTTP/1.1 side of a WebSocket connection (RFC 6455 §4) and of SignalR's
// negotiate POST, for the load generator (client) and its fan-out server.
namespace farmchat::bench::httpupgrade {

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2).
std::string acceptKey(std::string_view key);
// A fresh random 16-byte key, base64.
std::string randomKey(std::uint64_t seed);

std::string upgradeRequest(
    std::string_view host, std::uint16_t port, std::string_view target, std::string_view key);
std::string negotiateRequest(std::string_view host, std::uint16_t port, std::string_view path);

// Where the header block ends (index past "\r\n\r\n"), or npos.
std::size_t headerEnd(std::string_view data);
// Value of a header (case-insensitive name) in a header block, or empty.
std::string_view headerValue(std::string_view head, std::string_view name);
int statusCode(std::string_view head);

// Checks a server's 101 answer: ok, or what is wrong with it.
Result<void> checkUpgradeResponse(std::string_view head, std::string_view key);
// connectionToken (or connectionId for negotiate v0) of a negotiate answer
// body, percent-encoded for the upgrade URL.
Result<std::string> negotiateToken(std::string_view body);

std::string upgradeResponse(std::string_view key);

} // namespace farmchat::bench::httpupgrade
