#pragma once

#include <QLatin1String>

#include <array>

// The chat hub's contract, written once: the hub methods a client invokes on
// /chat, the client methods (callbacks) the node invokes on a client, each
// with its argument count, and the fields of the message object they carry.
// The node, the C++ client, the load generator and the tests name them from
// here; tests/protocol/tst_hubcontract checks the JavaScript that cannot (the
// web page, the e2e tests) against it. docs/NODE.md ("Hub") describes them.
namespace farmchat::hubcontract {

// One method as it is spelled on the wire. Both ends match names without
// regard to case, as ASP.NET Core SignalR and its clients do.
struct Method
{
    QLatin1String name;
    int argumentCount;
    QLatin1String parameters; // for error messages and docs: "room, text"
};

// Client -> node.
inline constexpr Method kSend {QLatin1String("Send"), 1, QLatin1String("text")};
inline constexpr Method kSendToRoom {QLatin1String("SendToRoom"), 2, QLatin1String("room, text")};
inline constexpr Method kJoinRoom {QLatin1String("JoinRoom"), 1, QLatin1String("room")};
inline constexpr Method kLeaveRoom {QLatin1String("LeaveRoom"), 1, QLatin1String("room")};
inline constexpr Method kSetName {QLatin1String("SetName"), 1, QLatin1String("name")};
inline constexpr Method kHistory {
    QLatin1String("History"), 3, QLatin1String("room, afterId or null, limit")};

// Which node serves this connection: behind a load balancer, the only way a
// standard SignalR client learns where it landed. Answers {node, connectionId, name}.
inline constexpr Method kWhoAmI {QLatin1String("WhoAmI"), 0, QLatin1String("")};

inline constexpr std::array kHubMethods {
    kSend, kSendToRoom, kJoinRoom, kLeaveRoom, kSetName, kHistory, kWhoAmI};

// Node -> client.
inline constexpr Method kMessageReceived {
    QLatin1String("messageReceived"), 1, QLatin1String("message")};
inline constexpr Method kHistoryReset {QLatin1String("historyReset"), 1, QLatin1String("room")};
inline constexpr Method kDeliveryWarning {
    QLatin1String("deliveryWarning"), 2, QLatin1String("id, warning")};

inline constexpr std::array kClientMethods {kMessageReceived, kHistoryReset, kDeliveryWarning};

// The message object of messageReceived and History (protocol/chatmessage.h).
namespace field {
inline constexpr QLatin1String kId("id");
inline constexpr QLatin1String kRoom("room");
inline constexpr QLatin1String kFrom("from");
inline constexpr QLatin1String kText("text");
inline constexpr QLatin1String kNode("node");
inline constexpr QLatin1String kSentAt("sentAt");
inline constexpr QLatin1String kVia("via");
} // namespace field

// The object WhoAmI answers.
namespace whoami {
inline constexpr QLatin1String kNode("node");
inline constexpr QLatin1String kConnectionId("connectionId");
inline constexpr QLatin1String kName("name");
} // namespace whoami

} // namespace farmchat::hubcontract
