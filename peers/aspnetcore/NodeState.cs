using System.Diagnostics;
using StackExchange.Redis;

namespace FarmChat.AspNetCore;

// What this node is and what /health reports: its id, message ids, the client
// count and the Redis connection the backplane made (through the
// ConnectionFactory in Program.cs, the hook Microsoft's docs show for it).
public sealed class NodeState(NodeOptions options)
{
    private readonly string _bootTag = Base36(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    private readonly Stopwatch _uptime = Stopwatch.StartNew();
    private long _sequence;
    private long _names;
    private int _clients;

    public NodeOptions Options { get; } = options;
    public string NodeId { get; private set; } = options.NodeId ?? $"node-{options.Port}";
    public int Port { get; private set; } = options.Port;
    public MessageHistory History { get; } = new(options.History);
    public IConnectionMultiplexer? Redis { get; set; }
    public string? LastBackplaneError { get; set; }
    public DateTimeOffset? LastBackplaneErrorAt { get; set; }
    public int Clients => Volatile.Read(ref _clients);

    // The real port once Kestrel listens (--port 0), and the default id from it.
    public void Listening(int port)
    {
        Port = port;
        NodeId = Options.NodeId ?? $"node-{port}";
    }

    // "<node>:<boot time base 36>:<n>", the form farmchat-node uses.
    public string NextMessageId() => $"{NodeId}:{_bootTag}:{Interlocked.Increment(ref _sequence)}";

    public string NextUserName() => $"user-{Interlocked.Increment(ref _names)}";

    public void ClientConnected() => Interlocked.Increment(ref _clients);

    public void ClientDisconnected() => Interlocked.Decrement(ref _clients);

    public object Health() => new
    {
        status = "ok",
        kind = "aspnetcore",
        node = NodeId,
        nodeId = NodeId,
        port = Port,
        backplane = Options.Backplane ? "pubsub" : "off",
        redisConfigured = Options.Redis is not null,
        redisConnected = Options.Backplane && Redis?.IsConnected == true,
        lastBackplaneError = LastBackplaneError,
        lastBackplaneErrorAt = LastBackplaneErrorAt?.ToUnixTimeMilliseconds(),
        clients = Clients,
        uptimeMs = _uptime.ElapsedMilliseconds,
    };

    private static string Base36(long value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var text = "";
        do
        {
            text = digits[(int)(value % 36)] + text;
            value /= 36;
        } while (value > 0);
        return text;
    }
}
