using System.Net;
using FarmChat.AspNetCore;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;

var (options, error) = NodeOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine($"farmchat-aspnetcore-node: {error}\nRun with --help for the list of options.");
    return NodeOptions.UsageError;
}
if (options.ShowHelp)
{
    Console.Out.Write(NodeOptions.Usage);
    return 0;
}
if (!IPAddress.IsLoopback(options.BindAddress))
    Console.Error.WriteLine($"farmchat-aspnetcore-node: warning: listening on {options.BindAddress}, beyond this machine");

// Our flags are not ASP.NET Core configuration keys, so the builder gets no args.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
// stdout carries only the ready line; logs go to stderr, at the levels of
// Microsoft's project template (Microsoft.AspNetCore at Warning).
builder.Logging.ClearProviders();
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.BindAddress, options.Port));
// The farm stops a node with SIGTERM and waits 3 s before SIGKILL. The host's
// default 30 s grace waits for open WebSockets, which close only when their
// clients leave: cut them after 1 s, as a node of FarmChat's own does at once.
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1));

var node = new NodeState(options);
builder.Services.AddSingleton(node);
var signalR = builder.Services.AddSignalR(hub =>
{
    hub.KeepAliveInterval = TimeSpan.FromMilliseconds(options.KeepAliveMs);
    hub.ClientTimeoutInterval = TimeSpan.FromMilliseconds(options.ClientTimeoutMs);
    hub.HandshakeTimeout = TimeSpan.FromMilliseconds(options.HandshakeTimeoutMs);
    hub.MaximumReceiveMessageSize = options.MaxMessageBytes;
});
if (options.Backplane)
{
    signalR.AddStackExchangeRedis();
    builder.Services.AddOptions<RedisOptions>().Configure<ILoggerFactory>((redis, logs) =>
        RedisBackplane.Configure(redis, node, logs.CreateLogger("FarmChat.Backplane")));
}
OriginPolicy.AddCors(builder.Services, options);

var app = builder.Build();
app.Use((context, next) => OriginPolicy.Check(context, node, next));
app.UseCors();
app.MapHub<ChatHub>("/chat").RequireCors(OriginPolicy.Name);
app.MapGet("/health", () => Results.Json(node.Health()));
app.MapGet("/rooms/{room}/messages", (string room, string? after, int? limit) =>
{
    if (InputChecks.RoomName(room) is { } why)
        return Results.Json(new { error = why }, statusCode: StatusCodes.Status400BadRequest);
    if (limit is < 1 or > InputChecks.MaxHistoryLimit)
        return Results.Json(new { error = $"limit must be 1 to {InputChecks.MaxHistoryLimit}" },
            statusCode: StatusCodes.Status400BadRequest);
    return Results.Json(node.History.After(room, after, limit ?? 100));
});

try
{
    await app.StartAsync();
}
catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    Console.Error.WriteLine($"farmchat-aspnetcore-node: port {options.Port} is already in use");
    return 3;
}
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
    .Addresses.Select(a => new Uri(a)).First();
node.Listening(address.Port);
Console.Out.WriteLine($"listening http://{address.Authority}");
await app.WaitForShutdownAsync();
return 0;
