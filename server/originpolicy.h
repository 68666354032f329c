#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QSet>
#include <QString>
#include <QStringList>

namespace farmchat {

// Who may talk to a node from a browser, and under which host names: the
// checks behind 403 for a foreign Origin and 421 for a foreign Host (a
// DNS-rebinding page reaches 127.0.0.1 under its own name; refusing names that
// are not the node's own stops it). Pure; the HTTP layer asks it.
class OriginPolicy
{
public:
    OriginPolicy() = default;
    // `publicOrigins` are addresses clients reach the node through (a load
    // balancer in front of the farm, --public-url): each is an allowed
    // Origin, and its host and port an allowed Host.
    OriginPolicy(const QHostAddress &bindAddress, quint16 port, const QStringList &allowedOrigins,
        const QStringList &publicOrigins = {});

    // No Origin header (non-browser clients) is allowed; "null" and foreign ones are not.
    bool isOriginAllowed(const QByteArray &originHeader) const;
    // The Host header names this node: a loopback name, the bind address, or
    // (bound to every interface) one of this machine's addresses or its host name.
    bool isHostAllowed(const QByteArray &hostHeader) const;

    QStringList ownOrigins() const;

private:
    bool isOwnHostName(const QString &host) const;

    quint16 m_port = 0;
    QSet<QString> m_origins; // normalised, own and --allowed-origin
    QSet<QString> m_hostNames; // lower-case, IPv6 in brackets
    QSet<QString> m_publicHosts; // "host:port" of the public origins, port always given
    bool m_anyLocalAddress = false;
};

} // namespace farmchat
