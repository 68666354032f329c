// The line splitting every platform shares; reading fd 0 is in stdinlines_<os>.cpp.
#include "platform/stdinlines.h"

namespace farmchat {

void StdinLines::emitLine(QByteArray line)
{
    if (line.endsWith('\r'))
        line.chop(1);
    Q_EMIT lineRead(line);
}

void StdinLines::feed(const QByteArray &bytes)
{
    if (m_ended)
        return;
    qsizetype from = 0;
    while (from < bytes.size()) {
        const qsizetype newline = bytes.indexOf('\n', from);
        const qsizetype end = newline < 0 ? bytes.size() : newline;
        if (m_skipped >= 0) {
            m_skipped += end - from;
        } else {
            m_buffer.append(bytes.constData() + from, end - from);
            if (m_buffer.size() > kMaxLineBytes) {
                m_skipped = m_buffer.size(); // the rest of this line is dropped unread
                m_buffer.clear();
            }
        }
        if (newline < 0)
            return;
        from = newline + 1;
        if (m_skipped >= 0) {
            const qint64 skipped = m_skipped;
            m_skipped = -1;
            Q_EMIT lineTooLong(skipped);
        } else {
            emitLine(std::exchange(m_buffer, {}));
        }
    }
}

void StdinLines::finish()
{
    if (m_ended)
        return;
    m_ended = true;
    // A last line without a newline still counts.
    if (m_skipped >= 0)
        Q_EMIT lineTooLong(std::exchange(m_skipped, -1));
    else if (!m_buffer.isEmpty())
        emitLine(std::exchange(m_buffer, {}));
    Q_EMIT endOfInput();
}

} // namespace farmchat
