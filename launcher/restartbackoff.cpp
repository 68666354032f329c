#include "launcher/restartbackoff.h"

namespace farmchat {

int RestartBackoff::nextDelayMs(qint64 uptimeMs)
{
    if (uptimeMs >= kStableRunMs)
        m_attempts = 0;
    if (m_attempts >= kMaxAttempts)
        return -1;
    const int delay = kFirstDelayMs << qMin(m_attempts, 8);
    ++m_attempts;
    return qMin(delay, kMaxDelayMs);
}

} // namespace farmchat
