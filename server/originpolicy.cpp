#include "server/originpolicy.h"

#include "server/nodeconfig.h"

#include <QHostInfo>
#include <QNetworkInterface>
#include <QUrl>

namespace farmchat {

namespace {

QString urlHost(const QHostAddress &address)
{
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return u'[' + address.toString().toLower() + u']';
    return address.toString();
}

} // namespace

OriginPolicy::OriginPolicy(const QHostAddress &bindAddress, quint16 port,
    const QStringList &allowedOrigins, const QStringList &publicOrigins)
    : m_port(port)
{
    m_hostNames
        = {QStringLiteral("127.0.0.1"), QStringLiteral("localhost"), QStringLiteral("[::1]")};
    m_anyLocalAddress = bindAddress == QHostAddress::Any || bindAddress == QHostAddress::AnyIPv4
        || bindAddress == QHostAddress::AnyIPv6;
    if (m_anyLocalAddress) {
        // Bound to every interface: the machine's own addresses and name are its names too.
        for (const QHostAddress &a : QNetworkInterface::allAddresses())
            m_hostNames.insert(urlHost(QHostAddress(a.toString().section(u'%', 0, 0))));
        const QString hostName = QHostInfo::localHostName().toLower();
        if (!hostName.isEmpty())
            m_hostNames.insert(hostName);
    } else {
        m_hostNames.insert(urlHost(bindAddress));
    }
    for (const QString &host : std::as_const(m_hostNames))
        m_origins.insert(QStringLiteral("http://%1:%2").arg(host).arg(port));
    for (const QString &origin : allowedOrigins)
        m_origins.insert(origin);
    for (const QString &origin : publicOrigins) {
        const auto normalised = NodeConfig::normaliseOrigin(origin);
        if (!normalised)
            continue;
        m_origins.insert(normalised.value());
        const QUrl url(normalised.value());
        const QHostAddress address(url.host());
        const QString host = address.isNull() ? url.host().toLower() : urlHost(address);
        m_publicHosts.insert(
            host + u':' + QString::number(url.port(url.scheme() == u"https" ? 443 : 80)));
    }
}

QStringList OriginPolicy::ownOrigins() const
{
    QStringList list(m_origins.cbegin(), m_origins.cend());
    list.sort();
    return list;
}

bool OriginPolicy::isOriginAllowed(const QByteArray &originHeader) const
{
    if (originHeader.isEmpty())
        return true;
    const auto origin = NodeConfig::normaliseOrigin(QString::fromLatin1(originHeader));
    return origin && m_origins.contains(origin.value());
}

bool OriginPolicy::isOwnHostName(const QString &host) const
{
    return m_hostNames.contains(host);
}

bool OriginPolicy::isHostAllowed(const QByteArray &hostHeader) const
{
    const QString host = QString::fromLatin1(hostHeader).trimmed().toLower();
    if (host.isEmpty())
        return false;
    QString name = host;
    QString port;
    if (host.startsWith(u'[')) {
        const qsizetype close = host.indexOf(u']');
        if (close < 0)
            return false;
        name = host.left(close + 1);
        const QString rest = host.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(u':'))
                return false;
            port = rest.mid(1);
        }
    } else if (const qsizetype colon = host.lastIndexOf(u':'); colon >= 0) {
        name = host.left(colon);
        port = host.mid(colon + 1);
    }
    // A trailing dot names the same host ("localhost."); accept it.
    if (name.endsWith(u'.'))
        name.chop(1);
    if (name.startsWith(u'[')) {
        // Normalise the IPv6 spelling ("[0:0::1]" is "[::1]").
        const QHostAddress address(name.mid(1, name.size() - 2));
        if (address.isNull())
            return false;
        name = urlHost(address);
    }
    bool ok = true;
    const uint portNumber = port.isNull() ? 0 : port.toUInt(&ok);
    if (!ok || portNumber > 65535)
        return false;
    // The balancer passes the Host the client asked for: its own.
    if (m_publicHosts.contains(name + u':' + QString::number(port.isNull() ? 80 : portNumber)))
        return true;
    if (!port.isNull() && portNumber != m_port)
        return false;
    return isOwnHostName(name);
}

} // namespace farmchat
