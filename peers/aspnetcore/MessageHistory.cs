namespace FarmChat.AspNetCore;

// The last N messages per room that went out through this node, for History
// and GET /rooms/{room}/messages. Node-local: ASP.NET Core's Redis backplane
// hands messages from other nodes straight to the connections, so the app
// never sees them and they are not kept here (docs/ASPNETCORE.md).
public sealed class MessageHistory(int perRoom)
{
    private readonly Dictionary<string, LinkedList<ChatMessage>> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Append(ChatMessage message)
    {
        lock (_lock)
        {
            if (!_rooms.TryGetValue(message.Room, out var ring))
                _rooms[message.Room] = ring = new LinkedList<ChatMessage>();
            ring.AddLast(message);
            if (ring.Count > perRoom)
                ring.RemoveFirst();
        }
    }

    // Up to `limit` messages after the one with id `afterId`, oldest first;
    // null or an id no longer (or never) kept: from the oldest kept.
    public IReadOnlyList<ChatMessage> After(string room, string? afterId, int limit)
    {
        lock (_lock)
        {
            if (!_rooms.TryGetValue(room, out var ring))
                return [];
            IEnumerable<ChatMessage> messages = ring;
            if (afterId is not null && ring.Any(m => m.Id == afterId))
                messages = ring.SkipWhile(m => m.Id != afterId).Skip(1);
            return messages.Take(limit).ToList();
        }
    }
}
