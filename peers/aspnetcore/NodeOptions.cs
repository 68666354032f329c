using System.Globalization;
using System.Net;

namespace FarmChat.AspNetCore;

// What the node is told at start. The flag names, defaults and messages mirror
// farmchat-node (docs/NODE.md) so a launcher can start either kind the same way;
// flags farmchat-node has and this node does not are refused, not ignored.
public sealed class NodeOptions
{
    public const int UsageError = 2;

    public int Port { get; private set; } = 9090;
    public IPAddress BindAddress { get; private set; } = IPAddress.Loopback;
    public string? NodeId { get; private set; }
    public RedisEndpoint? Redis { get; private set; }
    public bool Backplane { get; private set; }
    public string ChannelPrefix { get; private set; } = "farmchat";
    public int History { get; private set; } = 1000;
    public int MaxMessageBytes { get; private set; } = 32 * 1024;
    public IReadOnlyList<string> AllowedOrigins { get; private set; } = [];
    public int KeepAliveMs { get; private set; } = 15000;
    public int ClientTimeoutMs { get; private set; } = 30000;
    public int HandshakeTimeoutMs { get; private set; } = 15000;
    public bool ShowHelp { get; private init; }

    public const string Usage = """
        Usage: farmchat-aspnetcore-node [options]
        An ASP.NET Core SignalR node with FarmChat's hub at /chat (docs/ASPNETCORE.md).

          --port N                  TCP port; 0 picks a free one (default: 9090)
          --bind ADDR               address to listen on (default: 127.0.0.1)
          --node-id ID              name of this node in messages (default: node-<port>)
          --redis URL               redis://HOST:PORT/DB; the password comes from FARMCHAT_REDIS_PASSWORD
          --backplane MODE          off or pubsub (default: off without --redis, else pubsub)
          --channel-prefix P        Redis channel prefix (default: farmchat)
          --history N               messages kept per room on this node (default: 1000)
          --max-message-bytes N     largest hub message accepted (default: 32768)
          --allowed-origin URL      another browser origin allowed in (repeatable)
          --keepalive-ms N          server ping interval (default: 15000)
          --client-timeout-ms N     drop a client silent this long (default: 30000)
          --handshake-timeout-ms N  time allowed for the hub handshake (default: 15000)
          --help                    this text

        """;

    private static readonly HashSet<string> Flags =
    [
        "port", "bind", "node-id", "redis", "backplane", "channel-prefix", "history", "max-message-bytes",
        "allowed-origin", "keepalive-ms", "client-timeout-ms", "handshake-timeout-ms",
    ];

    // The options, or the message naming the bad flag.
    public static (NodeOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var options = new NodeOptions();
        var seen = new HashSet<string>();
        string? backplane = null;
        for (var i = 0; i < args.Count; ++i)
        {
            var arg = args[i];
            if (arg == "--help")
                return (new NodeOptions { ShowHelp = true }, null);
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                return (null, $"unexpected argument '{arg}'");
            var equals = arg.IndexOf('=');
            var name = equals < 0 ? arg[2..] : arg[2..equals];
            if (!Flags.Contains(name))
                return (null, $"unknown option '--{name}'");
            string value;
            if (equals >= 0)
                value = arg[(equals + 1)..];
            else if (i + 1 < args.Count)
                value = args[++i];
            else
                return (null, $"--{name} needs a value");
            if (name != "allowed-origin" && !seen.Add(name))
                return (null, $"--{name} given more than once");
            if (name == "backplane")
                backplane = value;
            else if (options.Apply(name, value) is { } error)
                return (null, error);
        }
        return options.WithBackplane(backplane);
    }

    // Sets one flag; the message naming what is wrong, or null.
    private string? Apply(string name, string value)
    {
        switch (name)
        {
            case "port": return ReadInt(name, value, 0, 65535, v => Port = v);
            case "history": return ReadInt(name, value, 1, 1_000_000, v => History = v);
            case "max-message-bytes": return ReadInt(name, value, 1024, 16 << 20, v => MaxMessageBytes = v);
            case "keepalive-ms": return ReadInt(name, value, 100, 3_600_000, v => KeepAliveMs = v);
            case "client-timeout-ms": return ReadInt(name, value, 100, 3_600_000, v => ClientTimeoutMs = v);
            case "handshake-timeout-ms": return ReadInt(name, value, 100, 3_600_000, v => HandshakeTimeoutMs = v);
            case "bind":
                if (ParseBind(value) is not { } address)
                    return $"--bind must be an IP address or localhost (got '{value}')";
                BindAddress = address;
                return null;
            case "node-id":
                NodeId = value;
                return CheckNodeId(value);
            case "channel-prefix":
                ChannelPrefix = value;
                return CheckChannelPrefix(value);
            case "redis":
                var (endpoint, why) = RedisEndpoint.Parse(value);
                Redis = endpoint;
                return why is null ? null : $"--redis: {why}";
            case "allowed-origin":
                if (NormaliseOrigin(value) is not { } origin)
                    return $"--allowed-origin must be an origin such as http://127.0.0.1:9091 (got '{value}')";
                AllowedOrigins = [.. AllowedOrigins, origin];
                return null;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "not in Flags");
        }
    }

    private (NodeOptions?, string?) WithBackplane(string? mode)
    {
        switch (mode)
        {
            case null:
                Backplane = Redis is not null;
                return (this, null);
            case "off":
                return (this, null);
            case "pubsub" when Redis is null:
                return (null, "--backplane pubsub needs --redis");
            case "pubsub":
                Backplane = true;
                return (this, null);
            case "streams":
                return (null, "--backplane streams is FarmChat's own mode; ASP.NET Core's Redis backplane is pub/sub only");
            default:
                return (null, $"--backplane must be off or pubsub (got '{mode}')");
        }
    }

    private static string? ReadInt(string name, string text, long min, long max, Action<int> apply)
    {
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            || value < min || value > max)
            return $"--{name} must be a whole number from {min} to {max} (got '{text}')";
        apply((int)value);
        return null;
    }

    private static IPAddress? ParseBind(string text) =>
        text == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(text, out var address) ? address : null;

    private static string? CheckNodeId(string id)
    {
        if (id.Length is 0 or > 64)
            return "--node-id must be 1 to 64 characters";
        return id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? null
            : $"--node-id may hold only letters, digits, '-', '_' and '.' (got '{id}')";
    }

    private static string? CheckChannelPrefix(string prefix)
    {
        if (prefix.Length is 0 or > 64)
            return "--channel-prefix must be 1 to 64 characters";
        return prefix.All(c => c > ' ' && c < '\x7f')
            ? null
            : "--channel-prefix may hold only printable ASCII without spaces";
    }

    // "scheme://host[:port]" as browsers send it in Origin, or null.
    public static string? NormaliseOrigin(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.Host.Length == 0 || uri.UserInfo.Length > 0 || uri.Query.Length > 0
            || uri.Fragment.Length > 0 || uri.AbsolutePath != "/")
            return null;
        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.Host}" : $"{uri.Scheme}://{uri.Host}:{uri.Port}";
    }
}
