using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace FarmChat.DotNetClientTests;

// What the .NET client reports for FarmChat's errors: a HubException carrying
// the node's text for a failed invocation, and a closed connection for a
// message over the node's size limit.
public sealed class ErrorTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    private NodeProcess Node => fixture.Node;

    [Fact]
    public async Task UnknownMethodIsAHubExceptionWithTheNodesText()
    {
        await using var client = await ChatClient.ConnectAsync(Node.HubUrl);
        var error = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync<string>("NoSuchMethod", "x"));
        Assert.Equal("unknown method 'NoSuchMethod'", error.Message);
        // The connection stays usable.
        Assert.NotEmpty(await client.Connection.InvokeAsync<string>("Send", "still here"));
    }

    [Theory]
    [InlineData("message text must not be empty", "Send", new object[] { " " })]
    [InlineData("Send expects 1 argument (text), got 2", "Send", new object[] { "a", "b" })]
    [InlineData("Send: 'text' must be a string", "Send", new object[] { 42 })]
    [InlineData("JoinRoom: room name must not contain control characters", "JoinRoom", new object[] { "a\u0007b" })]
    [InlineData("LeaveRoom: every connection stays in 'lobby'", "LeaveRoom", new object[] { "lobby" })]
    [InlineData("History: 'limit' must be a whole number from 1 to 1000", "History", new object[] { "lobby", "", 0 })]
    public async Task BadArgumentsAreHubExceptions(string expected, string method, object[] arguments)
    {
        await using var client = await ChatClient.ConnectAsync(Node.HubUrl);
        var error = await Assert.ThrowsAsync<HubException>(
            () => client.Connection.InvokeCoreAsync(method, typeof(object), arguments));
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public async Task AMessageOverTheSizeLimitClosesTheConnection()
    {
        await using var client = await ChatClient.ConnectAsync(Node.HubUrl);
        // 40,000 characters: over the node's 32 KiB message limit (close 1009).
        var invocation = client.Connection.InvokeAsync<string>("Send", new string('x', 40_000));
        // The node closes the WebSocket with 1009 and no SignalR Close message, so the
        // client reports the WebSocket status, not a HubException (docs/ASPNETCORE.md).
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => invocation);
        Assert.Equal("Websocket closed with error: MessageTooBig.", error.Message);
        Assert.Equal($"closed: InvalidOperationException: {error.Message}", await client.WaitForEventAsync("closed"));
        Assert.Equal(HubConnectionState.Disconnected, client.Connection.State);
    }
}
