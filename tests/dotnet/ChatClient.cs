using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace FarmChat.DotNetClientTests;

// messageReceived as FarmChat sends it (docs/NODE.md); the .NET client binds
// the camelCase JSON fields to these properties.
public sealed record ChatMessage(string Id, string Room, string From, string Text, string Node, long SentAt, string Via);

// One official .NET SignalR client on a node, keeping every message and
// connection event in order for the test to wait on.
public sealed class ChatClient : IAsyncDisposable
{
    private readonly ConcurrentQueue<ChatMessage> _messages = new();
    private readonly ConcurrentQueue<string> _events = new();

    private ChatClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<ChatMessage>("messageReceived", _messages.Enqueue);
        connection.Reconnecting += e => Record($"reconnecting: {e?.GetType().Name}");
        connection.Reconnected += id => Record("reconnected");
        connection.Closed += e => Record($"closed: {e?.GetType().Name}: {e?.Message}");
    }

    public HubConnection Connection { get; }
    public IReadOnlyCollection<ChatMessage> Messages => _messages;
    public IReadOnlyCollection<string> Events => _events;

    public static async Task<ChatClient> ConnectAsync(string hubUrl, bool skipNegotiation = false,
        TimeSpan[]? reconnectDelays = null)
    {
        var builder = new HubConnectionBuilder().WithUrl(hubUrl, options =>
        {
            options.SkipNegotiation = skipNegotiation;
            options.Transports = HttpTransportType.WebSockets;
        });
        if (reconnectDelays is not null)
            builder.WithAutomaticReconnect(reconnectDelays);
        var client = new ChatClient(builder.Build());
        await client.Connection.StartAsync();
        return client;
    }

    public Task<ChatMessage> WaitForMessageAsync(Func<ChatMessage, bool> match, string what) =>
        Eventually.FirstAsync(() => _messages.FirstOrDefault(match), what);

    public Task<string> WaitForEventAsync(string prefix, TimeSpan? timeout = null) =>
        Eventually.FirstAsync(() => _events.FirstOrDefault(e => e.StartsWith(prefix, StringComparison.Ordinal)),
            $"the client's '{prefix}' event (events so far: {string.Join("; ", _events)})", timeout);

    private Task Record(string what)
    {
        _events.Enqueue(what);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}

public static class Eventually
{
    // Polls until `probe` gives a value; fails the test naming what it waited for.
    public static async Task<T> FirstAsync<T>(Func<T?> probe, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            if (probe() is { } value)
                return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
