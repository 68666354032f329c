#include "launcher/haproxyconfig.h"

namespace farmchat {

QString HaproxyConfig::serverName(quint16 port)
{
    return QStringLiteral("node-%1").arg(port);
}

QString HaproxyConfig::checkOptions() const
{
    return QStringLiteral(
        "inter %1ms fastinter %2ms fall 2 rise 1 on-marked-down shutdown-sessions")
        .arg(checkIntervalMs)
        .arg(qMax(100, checkIntervalMs / 4));
}

QString HaproxyConfig::addServerCommand(quint16 nodePort, quint16 address) const
{
    return QStringLiteral("add server %1/%2 127.0.0.1:%3 check ")
               .arg(kBackend, serverName(nodePort))
               .arg(address)
        + checkOptions();
}

QByteArray HaproxyConfig::toConfigText() const
{
    QStringList lines;
    // No traffic log: in the foreground (-db) HAProxy prints its warnings
    // (a server going down, up or into maint) on stderr, which is the farm's
    // per-process log; a line per request would drown them.
    lines << QStringLiteral("global")
          << QStringLiteral("    stats socket %1 mode 600 level admin").arg(socketPath)
          << QStringLiteral("    stats timeout 10s") << QString();
    lines << QStringLiteral("defaults") << QStringLiteral("    mode http")
          << QStringLiteral("    timeout connect %1ms").arg(kConnectTimeoutMs)
          << QStringLiteral("    timeout client %1ms").arg(kClientTimeoutMs)
          << QStringLiteral("    timeout server %1ms").arg(kClientTimeoutMs)
          << QStringLiteral("    timeout http-request 15s")
          << QStringLiteral("    timeout http-keep-alive 15s")
          // An upgraded WebSocket is a tunnel: only this one applies to it.
          << QStringLiteral("    timeout tunnel %1ms").arg(kTunnelTimeoutMs)
          << QStringLiteral("    timeout client-fin 2s") << QString();
    lines << QStringLiteral("frontend %1").arg(kFrontend)
          << QStringLiteral("    bind 127.0.0.1:%1").arg(port)
          << QStringLiteral("    default_backend %1").arg(kBackend) << QString();
    lines << QStringLiteral("backend %1").arg(kBackend);
    switch (policy) {
    case LbPolicy::Source:
        // Consistent hashing: servers can be added and deleted while it runs
        // (HAProxy refuses dynamic servers with the default map-based hash),
        // and a node joining moves only a share of the clients.
        lines << QStringLiteral("    balance source") << QStringLiteral("    hash-type consistent");
        break;
    case LbPolicy::Sticky:
        // A server of the config names its node in the cookie; one added
        // while running (which takes no cookie value) gets one derived from
        // its address and the key.
        lines << QStringLiteral("    balance roundrobin")
              << QStringLiteral("    cookie %1 insert indirect nocache httponly dynamic")
                     .arg(kStickyCookie)
              << QStringLiteral("    dynamic-cookie-key %1")
                     .arg(QString::fromLatin1(dynamicCookieKey));
        break;
    case LbPolicy::None:
    case LbPolicy::RoundRobin:
        lines << QStringLiteral("    balance roundrobin");
        break;
    }
    // The node answers only Host names that are its own; "localhost" is one.
    lines << QStringLiteral("    option httpchk")
          << QStringLiteral(
                 "    http-check send meth GET uri /health ver HTTP/1.1 hdr Host localhost")
          << QStringLiteral("    http-check expect status 200")
          // A node that fails its check loses its clients at once, so they reconnect elsewhere.
          << QStringLiteral("    default-server ") + checkOptions();
    for (qsizetype i = 0; i < nodePorts.size(); ++i) {
        const quint16 nodePort = nodePorts[i];
        const quint16 address = i < serverPorts.size() ? serverPorts[i] : nodePort;
        QString line = QStringLiteral("    server %1 127.0.0.1:%2 check")
                           .arg(serverName(nodePort))
                           .arg(address);
        if (policy == LbPolicy::Sticky)
            line += QStringLiteral(" cookie %1").arg(serverName(nodePort));
        lines << line;
    }
    return lines.join(u'\n').toUtf8() + '\n';
}

} // namespace farmchat
