#pragma once

#include <QHash>
#include <QString>

#include <functional>

namespace farmchat {

// The negotiate step's promises (TransportProtocols.md, "POST [endpoint-base]/negotiate"):
// each connection token may open one WebSocket, once, within a time limit.
// Negotiate v1 hands out a token separate from the connection id; v0 clients
// use the connection id itself, so it is registered as the token.
class ConnectionTokens
{
public:
    using Clock = std::function<qint64()>; // milliseconds, monotonic

    struct Issued
    {
        QString connectionId;
        QString connectionToken;
    };

    explicit ConnectionTokens(
        qint64 lifetimeMs = 30000, int maxOutstanding = 10000, Clock clock = {});

    Issued issue(int negotiateVersion);
    // The connection id for a token, consumed; empty when unknown, used or expired.
    QString redeem(const QString &token);
    // Whether redeem(token) would succeed now (nothing is consumed).
    bool isRedeemable(const QString &token) const;
    int outstanding() const { return int(m_tokens.size()); }

    static QString randomId(int bytes = 16);

private:
    void expire();

    struct Entry
    {
        QString connectionId;
        qint64 expiresAt = 0;
    };
    QHash<QString, Entry> m_tokens;
    qint64 m_lifetimeMs;
    int m_maxOutstanding;
    Clock m_clock;
};

} // namespace farmchat
