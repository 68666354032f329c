#include "backplane/streams/sentlog_p.h"

#include <QDateTime>

namespace farmchat {

namespace {

constexpr qsizetype kMaxSentKept = 10000;

} // namespace

void SentLog::record(const OutgoingMessage &out, const QString &id, bool linkUsable)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 acceptedAt = out.ticket ? now : out.acceptedAtMs;
    ChatMessage sent = out.message;
    sent.id = id;
    sent.via = Via::Streams;
    if (m_sent.empty() || m_sent.back().uid != out.uid)
        m_sent.push_back(Sent {sent, out.uid, acceptedAt});
    const qint64 keepSince = now - m_windowMs;
    while (!m_sent.empty()
        && (qsizetype(m_sent.size()) > kMaxSentKept
            || (linkUsable && m_sent.front().acceptedAtMs < keepSince)))
        m_sent.pop_front();
}

std::deque<OutgoingMessage> SentLog::takeSince(qint64 sinceMs)
{
    std::deque<OutgoingMessage> again;
    for (const Sent &sent : m_sent) {
        if (sent.acceptedAtMs >= sinceMs)
            again.push_back(OutgoingMessage {sent.message, sent.uid, nullptr,
                sent.message.id.toLatin1(), sent.acceptedAtMs, {}});
    }
    m_sent.clear();
    return again;
}

} // namespace farmchat
