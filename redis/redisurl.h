#pragma once

#include "core/result.h"

#include <QList>
#include <QString>

namespace farmchat {

// Where a Redis server is: redis://[user@]host[:port][/db] or
// unix:///path/to/redis.sock[?db=N]. The password never comes from the URL in
// FarmChat (argv is visible to other users): a URL carrying one is refused and
// the password is read from FARMCHAT_REDIS_PASSWORD instead.
struct RedisUrl
{
    QString host; // empty for a Unix socket
    quint16 port = 6379;
    QString unixSocket; // a path, when the URL is unix://
    int db = 0;
    QString user; // Redis 6 ACL user; empty: the default user

    bool isUnix() const { return !unixSocket.isEmpty(); }
    // host:port or the socket path, for logs and messages.
    QString endpoint() const;
    // The URL without any secret, e.g. for /health.
    QString toString() const;

    // Errors never repeat the text: it may hold a password.
    static Result<RedisUrl> parse(const QString &text);
};

// "host:port,host:port" (IPv6 hosts in brackets; a missing port is
// defaultPort) as endpoints; the error names the first bad item, or says
// "no <what> address" for an empty list.
Result<QList<RedisUrl>> parseEndpointList(
    const QString &text, quint16 defaultPort, const QString &what);

} // namespace farmchat
