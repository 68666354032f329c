using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace FarmChat.AspNetCore;

// FarmChat's hub contract (docs/NODE.md "Hub") on ASP.NET Core SignalR: every
// connection is in the group "lobby"; rooms are SignalR groups, so with the
// Redis backplane a group send reaches every node's members through Redis.
public sealed class ChatHub(NodeState node, ILogger<ChatHub> logger) : Hub
{
    public const string Lobby = "lobby";
    private const string NameKey = "name";
    private const string RoomsKey = "rooms";

    public override async Task OnConnectedAsync()
    {
        node.ClientConnected();
        Context.Items[NameKey] = node.NextUserName();
        Context.Items[RoomsKey] = new HashSet<string>(StringComparer.Ordinal) { Lobby };
        await Groups.AddToGroupAsync(Context.ConnectionId, Lobby);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        node.ClientDisconnected();
        return Task.CompletedTask;
    }

    public Task<string> Send(string text) => Publish("Send", Lobby, Required(text, "Send", "text"));

    public Task<string> SendToRoom(string room, string text)
    {
        if (room is null || text is null)
            throw new HubException("SendToRoom: 'room' and 'text' must be strings");
        Check("SendToRoom", InputChecks.RoomName(room));
        return Publish("SendToRoom", room, text);
    }

    public async Task JoinRoom(string room)
    {
        Check("JoinRoom", InputChecks.RoomName(Required(room, "JoinRoom", "room")));
        if (Rooms.Contains(room))
            return;
        if (Rooms.Count >= InputChecks.MaxRoomsPerConnection)
            throw new HubException($"JoinRoom: a connection may be in at most {InputChecks.MaxRoomsPerConnection} rooms");
        await Groups.AddToGroupAsync(Context.ConnectionId, room);
        Rooms.Add(room);
    }

    public async Task LeaveRoom(string room)
    {
        if (Required(room, "LeaveRoom", "room") == Lobby)
            throw new HubException("LeaveRoom: every connection stays in 'lobby'");
        Check("LeaveRoom", InputChecks.RoomName(room));
        if (Rooms.Remove(room))
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, room);
    }

    public void SetName(string name)
    {
        Check("SetName", InputChecks.UserName(Required(name, "SetName", "name")));
        Context.Items[NameKey] = name;
    }

    // The node serving this connection: behind a load balancer, how a client
    // learns where it landed (docs/NODE.md, WhoAmI).
    public object WhoAmI() => new
    {
        node = node.NodeId,
        connectionId = Context.ConnectionId,
        name = (string)Context.Items[NameKey]!,
    };

    public IReadOnlyList<ChatMessage> History(string room, string? afterId, int limit)
    {
        Check("History", InputChecks.RoomName(Required(room, "History", "room")));
        if (limit is < 1 or > InputChecks.MaxHistoryLimit)
            throw new HubException($"History: 'limit' must be a whole number from 1 to {InputChecks.MaxHistoryLimit}");
        if (afterId?.Length > 256)
            throw new HubException("History: 'afterId' is longer than 256 characters");
        return node.History.After(room, afterId, limit);
    }

    private HashSet<string> Rooms => (HashSet<string>)Context.Items[RoomsKey]!;

    private async Task<string> Publish(string method, string room, string text)
    {
        if (InputChecks.MessageText(text) is { } why)
            throw new HubException(why);
        var message = new ChatMessage(node.NextMessageId(), room, (string)Context.Items[NameKey]!, text, node.NodeId,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), node.Options.Backplane ? "pubsub" : "local");
        try
        {
            // With the Redis backplane this is one PUBLISH; every node, this
            // one included, delivers what it receives back from Redis.
            await Clients.Group(room).SendAsync("messageReceived", message);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // StackExchange.Redis holds commands while Redis is away and fails
            // them after its timeout (5 s by default): nobody got the message.
            logger.LogWarning("{Method}: the Redis backplane did not take message {Id}: {Error}", method, message.Id, e.Message);
            throw new HubException($"{method}: the Redis backplane is unavailable ({e.GetType().Name})");
        }
        node.History.Append(message);
        return message.Id;
    }

    // SignalR binds a JSON null to a string parameter; FarmChat refuses it.
    private static string Required(string? value, string method, string argument) =>
        value ?? throw new HubException($"{method}: '{argument}' must be a string");

    private static void Check(string method, string? why)
    {
        if (why is not null)
            throw new HubException($"{method}: {why}");
    }
}
