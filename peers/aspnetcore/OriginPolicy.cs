using Microsoft.AspNetCore.Cors.Infrastructure;

namespace FarmChat.AspNetCore;

// Which browser origins may connect, as farmchat-node decides it: no Origin
// (non-browser clients), the node's own and every --allowed-origin may
// upgrade to a WebSocket or POST (negotiate); others get 403. The allowed
// foreign origins get CORS answers.
public static class OriginPolicy
{
    public const string Name = "farmchat-origins";

    public static void AddCors(IServiceCollection services, NodeOptions options) =>
        services.AddCors(cors => cors.AddPolicy(Name, new CorsPolicyBuilder()
            .WithOrigins([.. options.AllowedOrigins])
            .AllowAnyHeader()
            .AllowCredentials()
            .Build()));

    // Checked per request: the node's own origins name the real port (--port 0).
    public static async Task Check(HttpContext context, NodeState node, RequestDelegate next)
    {
        var request = context.Request;
        // The Upgrade header, since the WebSockets middleware runs later, inside MapHub.
        var upgrade = request.Headers.Upgrade.ToString().Equals("websocket", StringComparison.OrdinalIgnoreCase);
        if ((upgrade || HttpMethods.IsPost(request.Method))
            && request.Headers.Origin is [{ } origin] && !Allows(node, origin))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsJsonAsync(new { error = $"origin {origin} is not allowed" });
            return;
        }
        await next(context);
    }

    private static bool Allows(NodeState node, string origin) =>
        OwnOrigins(node).Concat(node.Options.AllowedOrigins).Contains(origin, StringComparer.OrdinalIgnoreCase);

    private static IEnumerable<string> OwnOrigins(NodeState node)
    {
        var port = node.Port;
        var bind = node.Options.BindAddress;
        yield return $"http://127.0.0.1:{port}";
        yield return $"http://localhost:{port}";
        yield return $"http://[::1]:{port}";
        yield return bind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"http://[{bind}]:{port}"
            : $"http://{bind}:{port}";
    }
}
