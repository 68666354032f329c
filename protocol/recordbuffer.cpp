#include "protocol/recordbuffer.h"

#include "protocol/hubprotocol.h"

namespace farmchat {

RecordBuffer::RecordBuffer(qsizetype maxPendingBytes) : m_maxPendingBytes(maxPendingBytes) { }

bool RecordBuffer::append(QByteArrayView bytes)
{
    // Only the part after the last separator stays pending; bound that part.
    const qsizetype lastSeparator = bytes.lastIndexOf(hubprotocol::kRecordSeparator);
    const qsizetype tail
        = lastSeparator < 0 ? pendingTail() + bytes.size() : bytes.size() - lastSeparator - 1;
    if (tail > m_maxPendingBytes)
        return false;
    if (m_readPos > 0 && m_readPos >= m_bytes.size() / 2) {
        m_bytes.remove(0, m_readPos);
        m_scanPos -= m_readPos;
        m_readPos = 0;
    }
    m_bytes.append(bytes.data(), bytes.size());
    return true;
}

qsizetype RecordBuffer::pendingTail() const
{
    const qsizetype last = m_bytes.lastIndexOf(hubprotocol::kRecordSeparator);
    return last < m_readPos ? m_bytes.size() - m_readPos : m_bytes.size() - last - 1;
}

std::optional<QByteArray> RecordBuffer::takeRecord()
{
    const qsizetype end
        = m_bytes.indexOf(hubprotocol::kRecordSeparator, qMax(m_readPos, m_scanPos));
    if (end < 0) {
        m_scanPos = m_bytes.size();
        return std::nullopt;
    }
    QByteArray record = m_bytes.mid(m_readPos, end - m_readPos);
    m_readPos = end + 1;
    m_scanPos = m_readPos;
    if (m_readPos == m_bytes.size()) {
        m_bytes.clear();
        m_readPos = 0;
        m_scanPos = 0;
    }
    return record;
}

void RecordBuffer::clear()
{
    m_bytes.clear();
    m_readPos = 0;
    m_scanPos = 0;
}

} // namespace farmchat
