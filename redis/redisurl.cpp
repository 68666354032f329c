#include "redis/redisurl.h"

#include <QUrl>
#include <QUrlQuery>

namespace farmchat {

namespace {

using R = Result<RedisUrl>;

constexpr int kMaxDb = 1 << 20; // Redis' own `databases` setting is far lower in practice

// The user-info part of the authority, from the raw text: QUrl would drop an
// empty password ("user:@host") and we must refuse that too.
bool carriesPassword(QStringView text)
{
    const qsizetype schemeEnd = text.indexOf(u"://");
    if (schemeEnd < 0)
        return false;
    QStringView rest = text.mid(schemeEnd + 3);
    for (qsizetype i = 0; i < rest.size(); ++i) {
        if (rest[i] == u'/' || rest[i] == u'?' || rest[i] == u'#') {
            rest = rest.left(i);
            break;
        }
    }
    const qsizetype at = rest.lastIndexOf(u'@');
    return at >= 0 && rest.left(at).contains(u':');
}

Result<int> parseDb(const QString &text)
{
    bool ok = false;
    const int db = text.toInt(&ok);
    if (!ok || db < 0 || db > kMaxDb || text.startsWith(u'+'))
        return Result<int>::failure(
            QStringLiteral("the Redis database must be a number from 0 to %1").arg(kMaxDb));
    return db;
}

} // namespace

QString RedisUrl::endpoint() const
{
    if (isUnix())
        return unixSocket;
    const bool ipv6 = host.contains(u':');
    return (ipv6 ? u'[' + host + u']' : host) + u':' + QString::number(port);
}

QString RedisUrl::toString() const
{
    if (isUnix())
        return QStringLiteral("unix://") + unixSocket
            + (db != 0 ? QStringLiteral("?db=") + QString::number(db) : QString());
    const QString userPart = user.isEmpty() ? QString() : user + u'@';
    return QStringLiteral("redis://") + userPart + endpoint() + u'/' + QString::number(db);
}

Result<RedisUrl> RedisUrl::parse(const QString &text)
{
    if (text.trimmed().isEmpty())
        return R::failure(QStringLiteral("the Redis URL is empty"));
    if (carriesPassword(text))
        return R::failure(QStringLiteral(
            "the Redis URL must not contain a password: set FARMCHAT_REDIS_PASSWORD instead "
            "(command lines are visible to other users)"));
    if (!text.contains(u"://"))
        return R::failure(QStringLiteral(
            "the Redis URL must start with redis:// or unix:// (e.g. redis://127.0.0.1:6379/0)"));
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return R::failure(QStringLiteral("the Redis URL is not a valid URL (%1)")
                              .arg(url.errorString().section(u';', 0, 0)));
    if (!url.fragment().isEmpty())
        return R::failure(QStringLiteral("the Redis URL must not have a #fragment"));

    RedisUrl out;
    const QString scheme = url.scheme().toLower();
    const QUrlQuery query(url);
    for (const auto &item : query.queryItems()) {
        if (item.first != u"db")
            return R::failure(
                QStringLiteral("the Redis URL has an unknown parameter '%1' (only db is known)")
                    .arg(item.first.left(32)));
    }
    if (scheme == u"rediss")
        return R::failure(
            QStringLiteral("TLS Redis URLs (rediss://) are not supported; use redis:// on a "
                           "trusted network or a Unix socket"));
    if (scheme == u"unix") {
        if (!url.host().isEmpty() || url.path().isEmpty() || !url.path().startsWith(u'/'))
            return R::failure(
                QStringLiteral("a Unix socket URL looks like unix:///path/to/redis.sock"));
        out.unixSocket = url.path();
        if (!url.userName().isEmpty())
            return R::failure(QStringLiteral("a Unix socket URL takes no user name"));
    } else if (scheme == u"redis") {
        out.host = url.host();
        if (out.host.isEmpty())
            return R::failure(QStringLiteral("the Redis URL has no host (redis://HOST:PORT/DB)"));
        const int port = url.port(6379);
        if (port < 1 || port > 65535)
            return R::failure(QStringLiteral("the Redis port must be from 1 to 65535"));
        out.port = quint16(port);
        out.user = url.userName();
        const QString path = url.path();
        if (!path.isEmpty() && path != u"/") {
            const auto db = parseDb(path.mid(1));
            if (!db)
                return R::failure(db.error());
            out.db = db.value();
        }
    } else {
        return R::failure(QStringLiteral(
            "the Redis URL must start with redis:// or unix:// (e.g. redis://127.0.0.1:6379/0)"));
    }
    if (query.hasQueryItem(QStringLiteral("db"))) {
        if (!out.isUnix() && url.path().size() > 1)
            return R::failure(
                QStringLiteral("the Redis URL names the database twice (path and ?db=)"));
        const auto db = parseDb(query.queryItemValue(QStringLiteral("db")));
        if (!db)
            return R::failure(db.error());
        out.db = db.value();
    }
    return out;
}

Result<QList<RedisUrl>> parseEndpointList(
    const QString &text, quint16 defaultPort, const QString &what)
{
    using R = Result<QList<RedisUrl>>;
    QList<RedisUrl> out;
    for (const QString &part : text.split(u',', Qt::SkipEmptyParts)) {
        const QString item = part.trimmed();
        const qsizetype colon = item.lastIndexOf(u':');
        RedisUrl url;
        url.port = defaultPort;
        if (colon < 0) {
            url.host = item;
        } else {
            bool ok = false;
            const uint port = item.mid(colon + 1).toUInt(&ok);
            if (!ok || port == 0 || port > 65535)
                return R::failure(
                    QStringLiteral("'%1' is not HOST:PORT (port 1..65535)").arg(item));
            url.host = item.left(colon);
            url.port = quint16(port);
        }
        if (url.host.startsWith(u'[') && url.host.endsWith(u']'))
            url.host = url.host.mid(1, url.host.size() - 2);
        if (url.host.isEmpty())
            return R::failure(QStringLiteral("'%1' has no host").arg(item));
        out << url;
    }
    if (out.isEmpty())
        return R::failure(QStringLiteral("no %1 address").arg(what));
    return out;
}

} // namespace farmchat
