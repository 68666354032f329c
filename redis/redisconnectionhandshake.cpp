// The steps after a link is made, before it counts as ready: AUTH, SELECT,
// CLIENT SETNAME, for a command link that must be on the primary ROLE, and
// a PING. Kept apart from the link's life cycle in redisconnection.cpp.
#include "redis/redisconnection.h"

namespace farmchat {

void RedisConnection::sendHandshake()
{
    const int timeout = m_options.connectTimeoutMs;
    auto step = [this](const char *what) {
        return [this, what](const RedisValue &reply) {
            if (!reply.isError() || reply.isLinkError())
                return;
            if (reply.bytes().startsWith("NOAUTH"))
                closeLink(
                    QStringLiteral("Redis at %1 requires a password: set %2 (%3)")
                        .arg(describeEndpoint(), m_options.passwordSource, reply.errorText()));
            else
                closeLink(QStringLiteral("Redis at %1 refused %2: %3")
                              .arg(describeEndpoint(), QLatin1String(what), reply.errorText()));
        };
    };
    // Pipelined: if AUTH fails, its error ends the attempt before the rest matters.
    if (!m_options.password.isEmpty()) {
        QList<QByteArray> auth {QByteArrayLiteral("AUTH")};
        if (!m_options.url.user.isEmpty())
            auth << m_options.url.user.toUtf8();
        auth << m_options.password;
        const QByteArray what
            = QStringLiteral("the password (check %1)").arg(m_options.passwordSource).toUtf8();
        send(
            auth,
            [this, what](const RedisValue &reply) {
                if (reply.isError() && !reply.isLinkError())
                    closeLink(
                        QStringLiteral("Redis at %1 refused %2: %3")
                            .arg(describeEndpoint(), QString::fromUtf8(what), reply.errorText()));
            },
            timeout);
    }
    if (m_options.url.db != 0)
        send({"SELECT", QByteArray::number(m_options.url.db)}, step("SELECT of the database"),
            timeout);
    if (!m_options.clientName.isEmpty())
        send({"CLIENT", "SETNAME", m_options.clientName.toUtf8()}, step("CLIENT SETNAME"), timeout);
    // A subscriber reads what the primary publishes, which replicas pass on
    // too; the command links are what must be on the primary.
    if (m_options.requirePrimary && m_options.role == RedisConnectionOptions::Role::Commands) {
        send(
            {"ROLE"},
            [this](const RedisValue &reply) {
                if (reply.isLinkError())
                    return;
                const QByteArray role = reply.isArray() && !reply.elements().isEmpty()
                    ? reply.elements().constFirst().bytes()
                    : QByteArray();
                if (role == "master")
                    return;
                const QString error
                    = QStringLiteral("Redis at %1 is not the primary (ROLE %2)")
                          .arg(describeEndpoint(),
                              role.isEmpty() ? reply.errorText() : QString::fromUtf8(role));
                closeLink(error);
                Q_EMIT notPrimary(error);
            },
            timeout);
    }
    send(
        {"PING"},
        [this](const RedisValue &reply) {
            if (!reply.isError())
                onReady();
        },
        timeout);
}

} // namespace farmchat
