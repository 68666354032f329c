#pragma once

#include <QByteArray>
#include <QString>

namespace farmchat {

// The private redis-server's settings and the config text fed to it through
// stdin (`redis-server -`), so the password never appears in argv. Loopback
// only, password required, nothing persisted, files in its own directory,
// memory capped.
struct RedisConfig
{
    // A demo farm on a laptop: room for hundreds of thousands of messages,
    // and never more than a small share of the machine's memory.
    static constexpr qint64 kDefaultMaxMemoryBytes = 256LL * 1024 * 1024;

    quint16 port = 0;
    QByteArray password;
    QString directory;
    // `maxmemory` in bytes; 0: no cap. The policy is always noeviction: an
    // eviction policy would silently delete whole room streams, the history
    // the streams mode promises to keep, and PUBLISH/XREAD would never say so.
    // With noeviction a full Redis refuses the next XADD, and the sender gets
    // that error: full is visible, nothing accepted is lost.
    qint64 maxMemoryBytes = kDefaultMaxMemoryBytes;

    QByteArray toConfigText() const;
};

// `text` as a redis.conf double-quoted string (backslash, quote and control
// characters escaped), so paths with spaces survive.
QByteArray quoteRedisConfigString(const QByteArray &text);

} // namespace farmchat
