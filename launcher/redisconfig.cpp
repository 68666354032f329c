#include "launcher/redisconfig.h"

namespace farmchat {

QByteArray quoteRedisConfigString(const QByteArray &text)
{
    QByteArray out = "\"";
    for (const char c : text) {
        const auto u = uchar(c);
        if (c == '"' || c == '\\')
            out += '\\' + QByteArray(1, c);
        else if (u < 0x20 || u == 0x7f)
            out += "\\x" + QByteArray::number(u, 16).rightJustified(2, '0');
        else
            out += c;
    }
    return out + '"';
}

QByteArray RedisConfig::toConfigText() const
{
    // "-::1": listen on IPv6 loopback too where it exists, without failing where it does not.
    return "port " + QByteArray::number(port)
        + "\n"
          "bind 127.0.0.1 -::1\n"
          "protected-mode yes\n"
          "requirepass "
        + password
        + "\n"
          "save \"\"\n"
          "appendonly no\n"
          "dir "
        + quoteRedisConfigString(directory.toUtf8())
        + "\n"
          "daemonize no\n"
          "supervised no\n"
          "logfile \"\"\n"
          "loglevel notice\n"
          "always-show-logo no\n"
          "maxmemory "
        + QByteArray::number(maxMemoryBytes)
        + "\n"
          "maxmemory-policy noeviction\n";
}

} // namespace farmchat
