#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace farmchat {

// Splits a byte stream into SignalR records ending in 0x1E (TransportProtocols.md:
// several records may share one frame, one record may span frames). The
// unterminated tail is capped so a peer cannot grow it without bound.
class RecordBuffer
{
public:
    explicit RecordBuffer(qsizetype maxPendingBytes);

    // False when the unterminated tail would exceed the cap; the buffer is then
    // left unchanged and the caller should drop the connection.
    bool append(QByteArrayView bytes);
    std::optional<QByteArray> takeRecord();
    qsizetype pendingBytes() const { return m_bytes.size() - m_readPos; }
    void clear();

private:
    qsizetype pendingTail() const;

    QByteArray m_bytes;
    qsizetype m_readPos = 0;
    qsizetype m_scanPos = 0; // bytes before this hold no separator
    qsizetype m_maxPendingBytes;
};

} // namespace farmchat
