using Microsoft.AspNetCore.SignalR.Client;

namespace FarmChat.DotNetClientTests;

// WithAutomaticReconnect across a node restart on the same port: the node's
// shutdown Close message allows reconnecting, and a crash is a lost connection.
public sealed class ReconnectTests
{
    private static readonly TimeSpan[] Delays = [.. Enumerable.Repeat(TimeSpan.FromMilliseconds(200), 150)];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReconnectsAfterTheNodeRestarts(bool crash)
    {
        var node = await NodeProcess.StartAsync("node-restart");
        var port = node.Port;
        await using var client = await ChatClient.ConnectAsync(node.HubUrl, reconnectDelays: Delays);
        try
        {
            await client.Connection.InvokeAsync<string>("Send", "before the restart");
            if (crash)
                await node.DisposeAsync();
            else
                await node.StopAsync();
            await client.WaitForEventAsync("reconnecting");
            Assert.Equal(HubConnectionState.Reconnecting, client.Connection.State);
        }
        finally
        {
            await node.DisposeAsync();
        }

        await using var restarted = await NodeProcess.StartAsync("node-restart", port);
        await client.WaitForEventAsync("reconnected", TimeSpan.FromSeconds(10));
        var id = await client.Connection.InvokeAsync<string>("Send", "after the restart");
        Assert.Equal("after the restart", (await client.WaitForMessageAsync(m => m.Id == id, "the new message")).Text);
        Assert.DoesNotContain(client.Events, e => e.StartsWith("closed", StringComparison.Ordinal));
    }
}
