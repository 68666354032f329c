using Microsoft.AspNetCore.SignalR.Client;

namespace FarmChat.DotNetClientTests;

// Connecting, sending, rooms and History with the official .NET client.
public sealed class ChatTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    private NodeProcess Node => fixture.Node;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectsAndRoundTripsAMessage(bool skipNegotiation)
    {
        await using var client = await ChatClient.ConnectAsync(Node.HubUrl, skipNegotiation);
        Assert.Equal(HubConnectionState.Connected, client.Connection.State);
        // Negotiate hands out a connection id; skipNegotiation has none.
        Assert.Equal(skipNegotiation, client.Connection.ConnectionId is null);

        var text = $"hello from .NET, skipNegotiation={skipNegotiation}";
        var id = await client.Connection.InvokeAsync<string>("Send", text);
        var message = await client.WaitForMessageAsync(m => m.Id == id, "its own message back");
        Assert.Equal((text, "lobby", NodeFixture.NodeId, "local"), (message.Text, message.Room, message.Node, message.Via));
        Assert.StartsWith($"{NodeFixture.NodeId}:", id);
    }

    [Fact]
    public async Task TwoClientsChatWithNames()
    {
        await using var alice = await ChatClient.ConnectAsync(Node.HubUrl);
        await using var bob = await ChatClient.ConnectAsync(Node.HubUrl);
        await alice.Connection.InvokeAsync("SetName", "alice");
        await bob.Connection.InvokeAsync("setname", "bob");

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = await alice.Connection.InvokeAsync<string>("Send", "hi bob");
        var message = await bob.WaitForMessageAsync(m => m.Id == id, "alice's message at bob");
        Assert.Equal(("alice", "hi bob"), (message.From, message.Text));
        Assert.InRange(message.SentAt, before - 60_000, before + 60_000);

        var reply = await bob.Connection.InvokeAsync<string>("SendToRoom", "lobby", "hi alice");
        Assert.Equal("bob", (await alice.WaitForMessageAsync(m => m.Id == reply, "bob's reply")).From);
        Assert.NotEqual(id, reply);
    }

    [Fact]
    public async Task RoomsKeepTheirMessagesApart()
    {
        var room = NodeFixture.UniqueRoom("garden");
        await using var member = await ChatClient.ConnectAsync(Node.HubUrl);
        await using var witness = await ChatClient.ConnectAsync(Node.HubUrl);
        await using var outsider = await ChatClient.ConnectAsync(Node.HubUrl);
        await member.Connection.InvokeAsync("JoinRoom", room);
        await witness.Connection.InvokeAsync("JoinRoom", room);

        var inRoom = await member.Connection.InvokeAsync<string>("SendToRoom", room, "only for the garden");
        Assert.Equal(room, (await witness.WaitForMessageAsync(m => m.Id == inRoom, "the room message")).Room);
        // One node delivers in order: once the lobby message is in, the room message would be too.
        var marker = await member.Connection.InvokeAsync<string>("Send", "for everyone");
        await outsider.WaitForMessageAsync(m => m.Id == marker, "the lobby message at the outsider");
        Assert.DoesNotContain(outsider.Messages, m => m.Id == inRoom);

        await witness.Connection.InvokeAsync("LeaveRoom", room);
        var after = await member.Connection.InvokeAsync<string>("SendToRoom", room, "after the witness left");
        var marker2 = await member.Connection.InvokeAsync<string>("Send", "second marker");
        await witness.WaitForMessageAsync(m => m.Id == marker2, "the second lobby message");
        Assert.DoesNotContain(witness.Messages, m => m.Id == after);
    }

    [Fact]
    public async Task HistoryPagesForwardFromACursor()
    {
        var room = NodeFixture.UniqueRoom("history");
        await using var client = await ChatClient.ConnectAsync(Node.HubUrl);
        var ids = new List<string>();
        foreach (var text in new[] { "one", "two", "three" })
            ids.Add(await client.Connection.InvokeAsync<string>("SendToRoom", room, text));

        var all = await client.Connection.InvokeAsync<ChatMessage[]>("History", room, null, 10);
        Assert.Equal(["one", "two", "three"], all.Select(m => m.Text));
        var page = await client.Connection.InvokeAsync<ChatMessage[]>("History", room, ids[0], 1);
        Assert.Equal([ids[1]], page.Select(m => m.Id));
        var rest = await client.Connection.InvokeAsync<ChatMessage[]>("History", room, page[^1].Id, 10);
        Assert.Equal([ids[2]], rest.Select(m => m.Id));
    }
}
