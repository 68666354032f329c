#include "server/connectiontokens.h"

#include <QDeadlineTimer>
#include <QRandomGenerator>

namespace farmchat {

ConnectionTokens::ConnectionTokens(qint64 lifetimeMs, int maxOutstanding, Clock clock)
    : m_lifetimeMs(lifetimeMs), m_maxOutstanding(maxOutstanding), m_clock(std::move(clock))
{
    if (!m_clock)
        m_clock = [] { return QDeadlineTimer::current().deadline(); };
}

QString ConnectionTokens::randomId(int bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    QRandomGenerator::system()->generate(raw.begin(), raw.end());
    return QString::fromLatin1(
        raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

ConnectionTokens::Issued ConnectionTokens::issue(int negotiateVersion)
{
    expire();
    // A client that negotiates without connecting must not grow the table
    // without bound: the oldest promise gives way.
    while (m_tokens.size() >= m_maxOutstanding) {
        auto oldest = m_tokens.begin();
        for (auto it = m_tokens.begin(); it != m_tokens.end(); ++it) {
            if (it->expiresAt < oldest->expiresAt)
                oldest = it;
        }
        m_tokens.erase(oldest);
    }
    Issued issued;
    issued.connectionId = randomId();
    issued.connectionToken = negotiateVersion >= 1 ? randomId() : issued.connectionId;
    m_tokens.insert(issued.connectionToken, Entry {issued.connectionId, m_clock() + m_lifetimeMs});
    return issued;
}

QString ConnectionTokens::redeem(const QString &token)
{
    const auto it = m_tokens.find(token);
    if (it == m_tokens.end())
        return {};
    const Entry entry = *it;
    m_tokens.erase(it);
    if (entry.expiresAt < m_clock())
        return {};
    return entry.connectionId;
}

bool ConnectionTokens::isRedeemable(const QString &token) const
{
    const auto it = m_tokens.constFind(token);
    return it != m_tokens.cend() && it->expiresAt >= m_clock();
}

void ConnectionTokens::expire()
{
    const qint64 now = m_clock();
    for (auto it = m_tokens.begin(); it != m_tokens.end();) {
        if (it->expiresAt < now)
            it = m_tokens.erase(it);
        else
            ++it;
    }
}

} // namespace farmchat
