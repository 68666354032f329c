using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using StackExchange.Redis;

namespace FarmChat.AspNetCore;

// The Redis backplane as Microsoft documents it: AddStackExchangeRedis, with a
// ConnectionFactory that logs connection failures and, here, also hands the
// multiplexer to NodeState so /health can say whether Redis is connected.
public static class RedisBackplane
{
    public static void Configure(RedisOptions options, NodeState node, ILogger logger)
    {
        var endpoint = node.Options.Redis!;
        var password = Environment.GetEnvironmentVariable("FARMCHAT_REDIS_PASSWORD");
        options.Configuration = endpoint.ToConfiguration(node.Options.ChannelPrefix,
            string.IsNullOrEmpty(password) ? null : password);
        options.ConnectionFactory = async writer =>
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(options.Configuration, writer);
            connection.ConnectionFailed += (_, e) =>
            {
                node.LastBackplaneError = $"{e.FailureType}: {e.Exception?.Message}";
                node.LastBackplaneErrorAt = DateTimeOffset.UtcNow;
                logger.LogWarning("Redis connection lost ({Type}): {Error}", e.FailureType, e.Exception?.Message);
            };
            connection.ConnectionRestored += (_, _) => logger.LogInformation("Redis connection restored");
            if (!connection.IsConnected)
                logger.LogWarning("Did not connect to Redis at {Host}:{Port}; retrying", endpoint.Host, endpoint.Port);
            node.Redis = connection;
            return connection;
        };
    }
}
