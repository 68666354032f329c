#pragma once

#include "core/result.h"
#include "protocol/hubmessage.h"

#include <QByteArray>
#include <QByteArrayView>

// The SignalR JSON hub protocol, version 1 (dotnet/aspnetcore
// src/SignalR/docs/specs/HubProtocol.md): handshake and message records. Pure
// functions over bytes; no I/O, so node, client, tests and fuzzers share them.
namespace farmchat::hubprotocol {

constexpr char kRecordSeparator = '\x1e';
constexpr int kVersion = 1;
inline constexpr QLatin1StringView kProtocolName {"json"};

struct HandshakeRequest
{
    QString protocol;
    int version = 0;
};

struct HandshakeResponse
{
    QString error; // empty: the server accepted the handshake
};

// Parsers take one record without its trailing separator.
Result<HandshakeRequest> parseHandshakeRequest(QByteArrayView record);
Result<HandshakeResponse> parseHandshakeResponse(QByteArrayView record);
Result<HubMessage> parseMessage(QByteArrayView record);

// Writers return one whole record, separator included.
QByteArray writeHandshakeRequest(
    const HandshakeRequest &request = {QString(kProtocolName), kVersion});
QByteArray writeHandshakeResponse(const HandshakeResponse &response = {});
QByteArray writeMessage(const HubMessage &message);

} // namespace farmchat::hubprotocol
