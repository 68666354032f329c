#pragma once

#include <QByteArray>
#include <QString>

namespace farmchat {

// The private redis-server's settings and the config text fed to it through
// stdin (`redis-server -`), so the password never appears in argv. Loopback
// only, password required, nothing persisted, files in its own directory.
struct RedisConfig
{
    quint16 port = 0;
    QByteArray password;
    QString directory;

    QByteArray toConfigText() const;
};

// `text` as a redis.conf double-quoted string (backslash, quote and control
// characters escaped), so paths with spaces survive.
QByteArray quoteRedisConfigString(const QByteArray &text);

} // namespace farmchat
