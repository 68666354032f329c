using Microsoft.AspNetCore.Cors.Infrastructure;

namespace FarmChat.AspNetCore;

// Which browser origins may connect, as farmchat-node decides it: no Origin
// (non-browser clients), the node's own and every --allowed-origin. WebSocket
// upgrades from other origins get 403 from ASP.NET Core's WebSockets
// middleware; the allowed foreign origins get CORS answers for negotiate.
public static class OriginPolicy
{
    public const string Name = "farmchat-origins";

    public static void Add(IServiceCollection services, NodeState node)
    {
        // Read at the first request, when the real port (--port 0) is known.
        services.AddOptions<WebSocketOptions>().Configure(o =>
        {
            foreach (var origin in OwnOrigins(node).Concat(node.Options.AllowedOrigins))
                o.AllowedOrigins.Add(origin);
        });
        services.AddCors(cors => cors.AddPolicy(Name, new CorsPolicyBuilder()
            .WithOrigins([.. node.Options.AllowedOrigins])
            .AllowAnyHeader()
            .AllowCredentials()
            .Build()));
    }

    private static IEnumerable<string> OwnOrigins(NodeState node)
    {
        var port = node.Port;
        yield return $"http://127.0.0.1:{port}";
        yield return $"http://localhost:{port}";
        yield return $"http://[::1]:{port}";
        var bind = node.Options.BindAddress.ToString();
        yield return node.Options.BindAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"http://[{bind}]:{port}"
            : $"http://{bind}:{port}";
    }
}
