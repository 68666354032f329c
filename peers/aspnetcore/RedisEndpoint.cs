using StackExchange.Redis;

namespace FarmChat.AspNetCore;

// The Redis server named by --redis redis://[user@]HOST[:PORT][/DB]. The
// password never comes from the URL (argv is readable by other users) but from
// FARMCHAT_REDIS_PASSWORD, as for farmchat-node.
public sealed record RedisEndpoint(string Host, int Port, int Database, string? User)
{
    public static (RedisEndpoint? Endpoint, string? Error) Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "redis" || uri.Host.Length == 0)
            return (null, $"expected redis://HOST:PORT/DB (got '{text}')");
        if (uri.UserInfo.Contains(':'))
            return (null, "no password in the URL: set FARMCHAT_REDIS_PASSWORD");
        var path = uri.AbsolutePath.Trim('/');
        var database = 0;
        if (path.Length > 0 && (!int.TryParse(path, out database) || database is < 0 or > 15))
            return (null, $"the database must be a number from 0 to 15 (got '{path}')");
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            return (null, "the URL takes no query or fragment");
        var user = uri.UserInfo.Length > 0 ? Uri.UnescapeDataString(uri.UserInfo) : null;
        return (new RedisEndpoint(uri.Host.Trim('[', ']'), uri.IsDefaultPort ? 6379 : uri.Port, database, user), null);
    }

    // The StackExchange.Redis settings for the backplane. AbortOnConnectFail
    // off, as Microsoft's SignalR Redis docs advise: the node starts while
    // Redis is down and keeps reconnecting instead of failing.
    public ConfigurationOptions ToConfiguration(string channelPrefix, string? password) => new()
    {
        EndPoints = { { Host, Port } },
        DefaultDatabase = Database,
        User = User,
        Password = password,
        AbortOnConnectFail = false,
        ChannelPrefix = RedisChannel.Literal(channelPrefix),
        ClientName = "farmchat-aspnetcore",
    };
}
