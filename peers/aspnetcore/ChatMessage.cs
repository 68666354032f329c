namespace FarmChat.AspNetCore;

// One chat message as FarmChat's messageReceived carries it (docs/NODE.md):
// SignalR's JSON protocol writes it camelCase, {id, room, from, text, node, sentAt, via}.
public sealed record ChatMessage(string Id, string Room, string From, string Text, string Node, long SentAt, string Via);
