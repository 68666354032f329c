namespace FarmChat.DotNetClientTests;

// One farmchat-node shared by the tests of a class.
public sealed class NodeFixture : IAsyncLifetime
{
    public const string NodeId = "node-dotnet";
    public NodeProcess Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await NodeProcess.StartAsync(NodeId);

    public async Task DisposeAsync() => await Node.DisposeAsync();

    public static string UniqueRoom(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
}
